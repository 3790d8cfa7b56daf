/* auth.c — bearer tokens for the /v1 endpoints.
 *
 * The token file holds one token per line. Only their SHA-256 hashes are kept in memory (the
 * file's text is wiped as soon as it is hashed), so a core dump or a memory disclosure does not
 * give a token away. A presented token is hashed and compared with every stored hash with
 * CRYPTO_memcmp and no early exit, so the time taken says nothing about how close a guess was or
 * which token matched. Tokens are never written anywhere: not to stderr, not to the decision log
 * (which records the request id, never its headers).
 */
#include "serve.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct srv_tokens {
    unsigned char (*hash)[32];
    size_t n;
};

static void sha256(const char *s, size_t n, unsigned char out[32]) {
    unsigned int len = 0;
    EVP_Digest(s, n, out, &len, EVP_sha256(), NULL);
}

srv_tokens *srv_tokens_load(const char *path, FILE *err) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(err, "caveat serve: --token-file %s: %s\n", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077))
        fprintf(err,
                "caveat serve: warning: --token-file %s is readable by other users "
                "(chmod 600 it)\n",
                path);
    srv_tokens *t = calloc(1, sizeof *t);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    int bad = 0;
    while (t && (n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        size_t len = (size_t)n;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' ' ||
                       line[len - 1] == '\t'))
            len--;
        size_t start = 0;
        while (start < len && (line[start] == ' ' || line[start] == '\t'))
            start++;
        if (start == len || line[start] == '#')
            continue;
        for (size_t i = start; i < len; i++)
            if ((unsigned char)line[i] <= ' ' || (unsigned char)line[i] >= 0x7f)
                bad = 1;
        if (bad) {
            /* the message names the line, never its text */
            fprintf(err,
                    "caveat serve: --token-file %s line %ld: a token is printable ASCII "
                    "without blanks\n",
                    path, lineno);
            break;
        }
        void *g = realloc(t->hash, (t->n + 1) * sizeof *t->hash);
        if (!g) {
            bad = 1;
            break;
        }
        t->hash = g;
        sha256(line + start, len - start, t->hash[t->n++]);
        OPENSSL_cleanse(line, cap);
    }
    if (line) {
        OPENSSL_cleanse(line, cap);
        free(line);
    }
    fclose(f);
    if (t && !bad && t->n == 0) {
        fprintf(err, "caveat serve: --token-file %s holds no token\n", path);
        bad = 1;
    }
    if (!t || bad) {
        srv_tokens_free(t);
        return NULL;
    }
    return t;
}

void srv_tokens_free(srv_tokens *t) {
    if (!t)
        return;
    free(t->hash);
    free(t);
}

int srv_tokens_check(const srv_tokens *t, const char *authorization) {
    static const char scheme[] = "Bearer ";
    if (!t || !authorization)
        return 0;
    /* the scheme is case-insensitive (RFC 7235); the token is not */
    for (size_t i = 0; i < sizeof scheme - 1; i++) {
        char c = authorization[i];
        if (!c || (c | 0x20) != (scheme[i] | 0x20))
            return 0;
    }
    const char *tok = authorization + sizeof scheme - 1;
    while (*tok == ' ')
        tok++;
    size_t len = strlen(tok);
    while (len && tok[len - 1] == ' ')
        len--;
    if (len == 0)
        return 0;
    unsigned char h[32];
    sha256(tok, len, h);
    int ok = 0;
    for (size_t i = 0; i < t->n; i++)
        ok |= CRYPTO_memcmp(h, t->hash[i], 32) == 0;
    OPENSSL_cleanse(h, sizeof h);
    return ok;
}
