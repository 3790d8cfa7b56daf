/* fmt.h — canonical layout of policy files (`caveat fmt`). */
#ifndef CAV_FMT_H
#define CAV_FMT_H

#include "lang/ast.h"

#include "caveat.h"

/* Prints the statements of file index `file` of ps in canonical layout to o. */
void cav__fmt_file(const cav_parse *ps, int file, cav_buf *o);

#endif
