// translate.mjs — caveat policy files (.cav) into Cedar policies, generated, not written by hand.
//
// Reads the files `caveat pack export` writes (or any .cav files) with a reader of the language's
// grammar (docs/language.md, "Grammar summary"), and gives:
//   - one Cedar policy per rule and party: `permit` and `forbid` as themselves, scoped to
//     `principal == Party::"XX"` (a rule of several parties becomes one policy for each, with
//     the id RULE/XX), a `party *` rule unscoped (it applies to every party); its dates as
//     `when { context.day >= FROM && context.day < UNTIL }` (days since 1970-01-01); its
//     condition as a second `when`; a forbid's `unless` exceptions as Cedar's `unless`, each
//     exception taken back only while it is in force (its own dates) and true;
//   - the tests, in one of two encodings of the facts (ENCODINGS below: Cedar's entity model, or
//     the leanest request, a flat context): `weapon` as the resource (Weapon::"id", aliases
//     resolved), `weapon.class` as an attribute, `target.kind in K` as K's subtree (the kind
//     hierarchy: Cedar's `in` over Kind entities, or membership in the kind's ancestors) and
//     `target.kind = K` as the kind alone, `target.state`, `target.role`, `purpose` and
//     `supplier` as attributes, `target in Z` and `launch in Z` as membership in the sets of
//     zones that contain the target and the launch point (computed by caveat's locator: the
//     comparison passes zone membership as attributes); `not in`, `!=`, `not`, `and`, `or` as
//     `!(...)`, `!=`, `!`, `&&`, `||`;
//   - what Cedar cannot say, as data for the harness: the parties whose consent a use needs (the
//     weapon's `consent`, plus the supplier), and which rules speak of which weapon (step 2 of
//     docs/semantics.md: a rule speaks of a weapon unless its condition is false for that weapon
//     whatever the other facts, Kleene's logic with every test but `weapon` and `weapon.class`
//     undetermined), so that a party whose own rules in force are silent is `unknown`;
//   - a Cedar schema for each encoding, against which the policies are validated (strict mode),
//     and the Cedar requests of a query.
// Notes, sources, titles and quotes change no decision and are not translated. Zone expressions
// are not translated either: membership comes precomputed.
//
// Names are compared as the language compares them: case-insensitive, with spaces, hyphens and
// underscores one separator. Usage as a module: translate(paths, encoding) with paths the .cav
// files or directories; as a program: node translate.mjs [--entities] DIR... prints the Cedar
// policies (flat encoding unless --entities).

import { readFileSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";

export function normalize(name) {
    return name.toLowerCase().replace(/[\s_-]+/g, "-").replace(/^-|-$/g, "");
}

const DAY_MS = 86400000;
export function dayOf(date) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
    if (!m) throw new Error(`not a date: ${date}`);
    return Date.UTC(+m[1], +m[2] - 1, +m[3]) / DAY_MS;
}

// ---- reading the files: statements (a keyword in column 1 and its indented lines) into tokens

const TOKEN = /\s*(?:(#.*)|("(?:[^"\\]|\\.)*")|([A-Za-z_][A-Za-z0-9_]*(?:[-.][A-Za-z0-9_]+)*)|(-?[0-9][0-9.-]*(?:km|m)?)|(!=|[[\],()=&|*-]))/y;

function tokenize(line, where) {
    const out = [];
    TOKEN.lastIndex = 0;
    while (TOKEN.lastIndex < line.length) {
        if (/^\s*$/.test(line.slice(TOKEN.lastIndex))) break;
        const m = TOKEN.exec(line);
        if (!m) throw new Error(`${where}: cannot read '${line.slice(TOKEN.lastIndex)}'`);
        if (m[1]) break; // comment
        if (m[2]) out.push({ s: JSON.parse(m[2]) }); // the language's escapes are JSON's
        else out.push({ v: m[3] ?? m[4] ?? m[5] });
    }
    return out;
}

function statements(text, file) {
    const stmts = [];
    text.split("\n").forEach((line, i) => {
        const where = `${file}:${i + 1}`;
        const toks = tokenize(line, where);
        if (!toks.length) return;
        if (/^[^\s#]/.test(line)) stmts.push({ where, toks: [] });
        else if (!stmts.length) throw new Error(`${where}: an indented line before any statement`);
        stmts[stmts.length - 1].toks.push(...toks);
    });
    return stmts;
}

const CLAUSES = {
    pack: ["timezone"],
    party: ["alias"],
    class: [],
    purpose: [],
    kind: ["in"],
    weapon: ["class", "consent", "suppliers", "alias", "range"],
    source: ["outlet", "date", "url"],
    zone: ["source", "assumption", "note"],
    note: ["party", "date", "until", "source", "says", "quote", "paraphrase", "disputed", "when"],
    permit: ["party", "from", "until", "source", "says", "quote", "paraphrase", "disputed",
        "assumption", "note", "when"],
    forbid: ["party", "from", "until", "source", "says", "quote", "paraphrase", "disputed",
        "assumption", "note", "unless", "when"],
};

// A statement as {keyword, name, where, clauses: {clause: tokens}}; a zone's expression and the
// title are skipped.
function clausesOf(st) {
    const [kw, name, ...rest] = st.toks;
    const keys = CLAUSES[kw.v];
    if (!keys || !name || !name.v) throw new Error(`${st.where}: not a statement: ${kw.v ?? kw.s}`);
    const clauses = {};
    let cur = null;
    for (const t of rest) {
        if (t.v !== undefined && keys.includes(t.v)) {
            cur = t.v;
            clauses[cur] = [];
        } else if (cur) clauses[cur].push(t);
    }
    return { keyword: kw.v, name: name.v, where: st.where, clauses };
}

function names(toks, where) {
    const vs = toks.filter((t) => t.v !== undefined && !["[", "]", ","].includes(t.v)).map((t) => t.v);
    if (!vs.length) throw new Error(`${where}: a name or a list expected`);
    return vs;
}

// ---- conditions: cond := and {or and}; and := not {and not}; not := 'not' not | '(' cond ')' | test

const FIELDS = ["weapon", "weapon.class", "target.kind", "target.state", "target.role", "purpose",
    "supplier", "target", "launch"];

function parseCondition(toks, where) {
    let i = 0;
    const peek = () => toks[i]?.v;
    const take = (v) => {
        if (peek() !== v) throw new Error(`${where}: '${v}' expected in the condition, not '${peek()}'`);
        i++;
    };
    function or() {
        let a = and();
        while (peek() === "or") { i++; a = { op: "or", a, b: and() }; }
        return a;
    }
    function and() {
        let a = not();
        while (peek() === "and") { i++; a = { op: "and", a, b: not() }; }
        return a;
    }
    function not() {
        if (peek() === "not") { i++; return { op: "not", a: not() }; }
        if (peek() === "(") { i++; const c = or(); take(")"); return c; }
        return test();
    }
    function test() {
        const field = peek();
        if (!FIELDS.includes(field)) throw new Error(`${where}: unknown field '${field}'`);
        i++;
        let neg = false, isIn = false;
        if (peek() === "=" || peek() === "!=") { neg = peek() === "!="; i++; }
        else {
            if (peek() === "not") { neg = true; i++; }
            take("in");
            isIn = true;
        }
        const values = [];
        if (peek() === "[") {
            i++;
            for (;;) {
                values.push(toks[i++].v);
                if (peek() === ",") { i++; continue; }
                take("]");
                break;
            }
        } else values.push(toks[i++].v);
        return { op: "test", field, neg, isIn, values };
    }
    const c = or();
    if (i !== toks.length) throw new Error(`${where}: unexpected '${peek()}' in the condition`);
    return c;
}

// ---- the pack: catalogs and rules

function readPack(paths) {
    const files = [];
    for (const p of paths) {
        if (statSync(p).isDirectory())
            for (const f of readdirSync(p).filter((f) => f.endsWith(".cav")).sort()) files.push(join(p, f));
        else files.push(p);
    }
    const pack = { partyNames: new Map(), classes: new Map(), kinds: new Map(), purposes: new Map(),
        weapons: new Map(), weaponNames: new Map(), rules: [] };
    for (const file of files) {
        for (const st of statements(readFileSync(file, "utf8"), file)) {
            const s = clausesOf(st);
            const key = normalize(s.name);
            const c = s.clauses;
            switch (s.keyword) {
            case "party":
                pack.partyNames.set(key, s.name);
                for (const a of c.alias ? names(c.alias, s.where) : []) pack.partyNames.set(normalize(a), s.name);
                break;
            case "class": pack.classes.set(key, s.name); break;
            case "purpose": pack.purposes.set(key, s.name); break;
            case "kind": pack.kinds.set(key, { id: s.name, parent: c.in ? names(c.in, s.where)[0] : null }); break;
            case "weapon": {
                const w = { id: s.name, class: names(c.class, s.where)[0],
                    consent: c.consent ? names(c.consent, s.where) : [],
                    suppliers: c.suppliers ? names(c.suppliers, s.where) : [] };
                pack.weapons.set(key, w);
                pack.weaponNames.set(key, w);
                for (const a of c.alias ? names(c.alias, s.where) : []) pack.weaponNames.set(normalize(a), w);
                break;
            }
            case "permit":
            case "forbid":
                pack.rules.push({ id: s.name, forbid: s.keyword === "forbid", where: s.where,
                    parties: names(c.party, s.where),
                    from: dayOf(names(c.from, s.where)[0]),
                    until: c.until ? dayOf(names(c.until, s.where)[0]) : null,
                    unless: c.unless ? names(c.unless, s.where) : [],
                    when: c.when ? parseCondition(c.when, s.where) : null });
                break;
            default: break; // pack, source, zone (membership comes precomputed), note
            }
        }
    }
    // resolve names to their declared spelling
    const find = (map, name, what, where) => {
        const v = map.get(normalize(name));
        if (v === undefined) throw new Error(`${where}: unknown ${what} '${name}'`);
        return v;
    };
    const party = (n, where) => find(pack.partyNames, n, "party", where);
    for (const w of pack.weapons.values()) {
        w.class = find(pack.classes, w.class, "class", w.id);
        w.consent = w.consent.map((n) => party(n, w.id));
        w.suppliers = w.suppliers.map((n) => party(n, w.id));
    }
    for (const k of pack.kinds.values())
        if (k.parent) k.parent = find(pack.kinds, k.parent, "kind", k.id).id;
    const byId = new Map(pack.rules.map((r) => [normalize(r.id), r]));
    for (const r of pack.rules) {
        r.parties = r.parties[0] === "*" ? ["*"] : r.parties.map((n) => party(n, r.where));
        r.unless = r.unless.map((n) => find(byId, n, "rule", r.where));
        resolve(r.when, r.where);
    }
    function resolve(node, where) {
        if (!node) return;
        if (node.op !== "test") { resolve(node.a, where); resolve(node.b, where); return; }
        const map = { weapon: pack.weaponNames, "weapon.class": pack.classes, "target.kind": pack.kinds,
            purpose: pack.purposes, supplier: pack.partyNames }[node.field];
        node.values = node.values.map((v) => {
            switch (node.field) {
            case "weapon": return find(map, v, "weapon", where).id;
            case "target.kind": return find(map, v, "kind", where).id;
            case "target.state": return find(new Map([["ground", "ground"], ["airborne", "airborne"]]), v, "state", where);
            case "target.role":
                return find(new Map(["attacking", "supporting", "none"].map((x) => [x, x])), v, "role", where);
            case "target":
            case "launch": return normalize(v); // a declared zone, or a country or region code
            default: return find(map, v, node.field, where);
            }
        });
    }
    return pack;
}

// ---- Cedar text, in two encodings of the facts
//
// "entities" is Cedar's own data model: the weapon is an entity with its class as an attribute,
// the target's kind an entity whose ancestors (the kind hierarchy) come with the request, the
// supplier a Party entity, the target and launch point records. "flat" is the leanest request
// Cedar can be given: no entities, one flat context of strings and sets, the kind's ancestors
// (the kind included) precomputed as a set like the zones. The policies are the same rules either
// way; only how a test reads the facts differs.

const q = JSON.stringify;
const ent = (type, id) => `${type}::${q(id)}`;
const isoDay = (d) => new Date(d * DAY_MS).toISOString().slice(0, 10);

// How a test of one value (one) or of a list (many) reads: equality with an entity or a string,
// Cedar's `in` over an entity hierarchy, or membership in a set of strings.
const eqEntity = (attr, type) => ({ one: (v) => `${attr} == ${ent(type, v)}`,
    many: (vs) => `[${vs.map((v) => ent(type, v)).join(", ")}].contains(${attr})` });
const eqString = (attr) => ({ one: (v) => `${attr} == ${q(v)}`,
    many: (vs) => `[${vs.map(q).join(", ")}].contains(${attr})` });
const inEntity = (attr, type) => ({ one: (v) => `${attr} in ${ent(type, v)}`,
    many: (vs) => `${attr} in [${vs.map((v) => ent(type, v)).join(", ")}]` });
const inSet = (attr) => ({ one: (v) => `${attr}.contains(${q(v)})`,
    many: (vs) => `${attr}.containsAny([${vs.map(q).join(", ")}])` });

export const ENCODINGS = {
    entities: {
        tests: { weapon: eqEntity("resource", "Weapon"), "weapon.class": eqEntity("resource.class", "Class"),
            "target.kind=": eqEntity("context.target.kind", "Kind"), "target.kind in": inEntity("context.target.kind", "Kind"),
            "target.state": eqString("context.target.state"), "target.role": eqString("context.target.role"),
            purpose: eqString("context.purpose"), supplier: eqEntity("context.supplier", "Party"),
            target: inSet("context.target.zones"), launch: inSet("context.launch.zones") },
        schema: `entity Party;
entity Class;
entity Kind in [Kind];
entity Weapon { class: Class };
action "use" appliesTo {
  principal: Party,
  resource: Weapon,
  context: {
    day: Long,
    supplier: Party,
    purpose: String,
    target: { kind: Kind, state: String, role: String, zones: Set<String> },
    launch: { zones: Set<String> }
  }
};
`,
    },
    flat: {
        tests: { weapon: eqEntity("resource", "Weapon"), "weapon.class": eqString("context.class"),
            "target.kind=": eqString("context.kind"), "target.kind in": inSet("context.kinds"),
            "target.state": eqString("context.state"), "target.role": eqString("context.role"),
            purpose: eqString("context.purpose"), supplier: eqString("context.supplier"),
            target: inSet("context.target"), launch: inSet("context.launch") },
        schema: `entity Party;
entity Weapon;
action "use" appliesTo {
  principal: Party,
  resource: Weapon,
  context: {
    day: Long, supplier: String, purpose: String, class: String,
    kind: String, kinds: Set<String>, state: String, role: String,
    target: Set<String>, launch: Set<String>
  }
};
`,
    },
};

function cedarTest(t, enc) {
    const key = t.field === "target.kind" ? (t.isIn ? "target.kind in" : "target.kind=") : t.field;
    const how = enc.tests[key];
    const e = t.values.length === 1 ? how.one(t.values[0]) : how.many(t.values);
    if (!t.neg) return e;
    return / == [^&|]*$/.test(e) ? e.replace(" == ", " != ") : `!(${e})`;
}

// Cedar's precedence is the language's: `!` binds tightest, then `&&`, then `||`.
function cedarCond(n, enc) {
    switch (n.op) {
    case "test": return cedarTest(n, enc);
    case "not": return `!(${cedarCond(n.a, enc)})`;
    case "and": return [n.a, n.b].map((c) => (c.op === "or" ? `(${cedarCond(c, enc)})` : cedarCond(c, enc))).join(" && ");
    default: return `${cedarCond(n.a, enc)} || ${cedarCond(n.b, enc)}`;
    }
}

function inForce(r) {
    const from = `context.day >= ${r.from}`;
    return r.until === null ? from : `${from} && context.day < ${r.until}`;
}

function cedarPolicy(r, party, enc) {
    const scope = party === "*" ? "principal" : `principal == ${ent("Party", party)}`;
    const dates = `from ${isoDay(r.from)}${r.until === null ? "" : ` until ${isoDay(r.until)}`}`;
    const excepts = r.unless.length ? `; exceptions ${r.unless.map((x) => x.id).join(", ")}` : "";
    const lines = [`// ${r.id} (${basename(r.where)}): ${dates}${excepts}`,
        `${r.forbid ? "forbid" : "permit"} (${scope}, action == Action::"use", resource)`,
        `when { ${inForce(r)} }`];
    if (r.when) lines.push(`when { ${cedarCond(r.when, enc)} }`);
    if (r.unless.length) {
        const cond = (x) => (x.when.op === "or" ? `(${cedarCond(x.when, enc)})` : cedarCond(x.when, enc));
        const ex = r.unless.map((x) => `(${inForce(x)}${x.when ? ` && ${cond(x)}` : ""})`);
        lines.push(`unless { ${ex.join(" || ")} }`);
    }
    return lines.join("\n") + ";";
}

// Kleene value of a condition with the weapon known and every other test undetermined.
function weaponOnly(n, w) {
    switch (n.op) {
    case "test": {
        if (n.field !== "weapon" && n.field !== "weapon.class") return "U";
        const hit = n.values.includes(n.field === "weapon" ? w.id : w.class);
        return hit !== n.neg ? "T" : "F";
    }
    case "not": { const a = weaponOnly(n.a, w); return a === "U" ? "U" : a === "T" ? "F" : "T"; }
    case "and": {
        const a = weaponOnly(n.a, w), b = weaponOnly(n.b, w);
        return a === "F" || b === "F" ? "F" : a === "T" && b === "T" ? "T" : "U";
    }
    default: {
        const a = weaponOnly(n.a, w), b = weaponOnly(n.b, w);
        return a === "T" || b === "T" ? "T" : a === "F" && b === "F" ? "F" : "U";
    }
    }
}

// The translation in an encoding ("flat" or "entities"): {policies: {id: text}, text, schema,
// pack, ruleOf: {policy id: rule}, speaks(party, weapon, day), requests(facts)}. facts is one
// query as bench_eval --cedar-set writes it (names as caveat's catalogs spell them; zones the
// ones that contain the target and the launch point); requests gives the Cedar requests of its
// consent parties, {weapon, day, parties: [{party, call}]}, call without the policies.
export function translate(paths, encoding = "flat") {
    const enc = ENCODINGS[encoding];
    if (!enc) throw new Error(`unknown encoding '${encoding}'`);
    const pack = readPack(paths);
    const policies = {};
    const ruleOf = {};
    for (const r of pack.rules) {
        for (const party of r.parties) {
            const id = r.parties.length > 1 ? `${r.id}/${party}` : r.id;
            policies[id] = cedarPolicy(r, party, enc);
            ruleOf[id] = r;
        }
    }
    // step 2: for each party and weapon, the dates of the party's own rules that speak of it
    const speakDates = new Map();
    for (const w of pack.weapons.values())
        for (const r of pack.rules) {
            if (r.parties[0] === "*" || (r.when && weaponOnly(r.when, w) === "F")) continue;
            for (const party of r.parties) {
                const k = `${party}|${w.id}`;
                if (!speakDates.has(k)) speakDates.set(k, []);
                speakDates.get(k).push([r.from, r.until === null ? Infinity : r.until]);
            }
        }
    const speaks = (party, weapon, day) => {
        const dates = speakDates.get(`${party}|${weapon}`);
        for (let i = 0; dates && i < dates.length; i++)
            if (dates[i][0] <= day && day < dates[i][1]) return true;
        return false;
    };
    const text = Object.values(policies).join("\n\n") + "\n";
    return { policies, text, schema: enc.schema, pack, ruleOf, speaks,
        requests: requestsOf(pack, encoding) };
}

function requestsOf(pack, encoding) {
    const known = (map, name) => {
        const v = map.get(normalize(name));
        if (v === undefined) throw new Error(`'${name}' is not in the translated pack`);
        return v;
    };
    const kindsOf = (kind) => {
        const chain = [];
        for (let k = kind; k; k = k.parent ? pack.kinds.get(normalize(k.parent)) : null) chain.push(k);
        return chain;
    };
    const ACTION = { type: "Action", id: "use" };
    const entityCache = new Map();
    const zones = (names) => {
        const out = new Array(names.length);
        for (let i = 0; i < names.length; i++) out[i] = normalize(names[i]);
        return out;
    };
    const chains = new Map();
    for (const k of pack.kinds.values()) chains.set(k.id, kindsOf(k));
    return (c) => {
        const w = known(pack.weaponNames, c.weapon);
        const supplier = known(pack.partyNames, c.supplier);
        const kind = known(pack.kinds, c.kind);
        const chain = chains.get(kind.id);
        const common = { day: c.day, purpose: known(pack.purposes, c.purpose) };
        let context, entities;
        if (encoding === "flat") {
            const kinds = new Array(chain.length);
            for (let i = 0; i < chain.length; i++) kinds[i] = chain[i].id;
            context = { ...common, supplier, class: w.class, kind: kind.id, kinds, state: c.state, role: c.role,
                target: zones(c.target), launch: zones(c.launch) };
            entities = [];
        } else {
            context = { ...common, supplier: { __entity: { type: "Party", id: supplier } },
                target: { kind: { __entity: { type: "Kind", id: kind.id } }, state: c.state, role: c.role,
                    zones: zones(c.target) },
                launch: { zones: zones(c.launch) } };
            const key = `${w.id}|${kind.id}`;
            entities = entityCache.get(key);
            if (!entities) {
                entities = [{ uid: { type: "Weapon", id: w.id }, attrs: { class: { __entity: { type: "Class", id: w.class } } }, parents: [] }];
                for (const k of chain)
                    entities.push({ uid: { type: "Kind", id: k.id }, attrs: {}, parents: k.parent ? [{ type: "Kind", id: k.parent }] : [] });
                entityCache.set(key, entities);
            }
        }
        const resource = { type: "Weapon", id: w.id };
        const consent = w.consent.includes(supplier) ? w.consent : [...w.consent, supplier];
        const parties = new Array(consent.length);
        for (let i = 0; i < consent.length; i++)
            parties[i] = { party: consent[i], call: { principal: { type: "Party", id: consent[i] }, action: ACTION, resource, context, entities } };
        return { weapon: w.id, day: c.day, parties };
    };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    if (process.argv.length < 3) {
        console.error("usage: node translate.mjs [--entities] DIR_OR_FILE... (the output of `caveat pack export DIR`)");
        process.exit(2);
    }
    const args = process.argv.slice(2);
    const flat = args[0] === "--entities" ? (args.shift(), "entities") : "flat";
    process.stdout.write(translate(args, flat).text);
}
