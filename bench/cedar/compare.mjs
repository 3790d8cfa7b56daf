// compare.mjs — the default pack's decisions in Cedar (cedar-wasm) beside caveat's, decision by
// decision, with the time each takes on the same queries.
//
// 1. `caveat pack export` writes the default pack's files; translate.mjs turns them into Cedar
//    policies, which are validated against translate.mjs's schema (strict mode).
// 2. `bench_eval --cedar-set N FILE` generates N queries through caveat's query setters, times
//    cav_eval over them (median of its runs, CPU time), and writes each query with its zone
//    memberships and caveat's decision. Every query gives every field (supplier, purpose, role,
//    launch point), has no uncertainty, and lies farther than the boundary data's precision from
//    every zone edge: Cedar's logic is two-valued, so the comparison is on the queries where
//    caveat's is too (caveat never answers `indeterminate` on them; the set is checked for it).
// 3. Each query is asked of Cedar once per party whose consent the use needs (the weapon's
//    consent parties, plus the supplier): principal Party::"XX", action Action::"use", resource
//    the weapon, and the facts (the date as a day number, the weapon's class, the supplier,
//    purpose, the target's kind, state, role and zones, the launch point's zones) in the
//    translation's encoding. A party's verdict is then: prohibited when Cedar denies by a forbid
//    (step 1); else unknown when no rule of the party's own in force speaks of the weapon (step
//    2, from translate.mjs's table: Cedar has no third answer); else permitted when Cedar allows,
//    prohibited (default deny) when it does not. The use combines the parties as caveat does
//    (prohibited if any prohibits, permitted if all permit, else unknown).
// 4. Agreement: the verdict, each party's verdict and basis, and the deciding rules (the forbids
//    or permits Cedar reports as satisfied against caveat's deciding rules) must all be equal.
// Times: the Cedar side is timed per chunk of queries around the Cedar calls and the combination
// (the requests are built beforehand, as caveat's queries are), as the process's CPU time and
// wall time, three ways (WAYS below): the flat encoding with the policies parsed once
// (statefulIsAuthorized, as a service would) over every query; the entity encoding, parsed once,
// over the first --entities queries; the flat encoding with the policies passed and parsed on
// every call (isAuthorized) over the first --plain queries. The ratio is Cedar's time a decision
// over caveat's on the same queries.
//
// Usage: node compare.mjs [--queries N=1000000] [--runs R=5] [--entities M=min(N,100000)]
//          [--plain M=min(N,2000)] [--policy FILE.cav] [--caveat build/caveat]
//          [--bench build/bench_eval] [--set FILE] [--emit FILE.cedar] [--json FILE]
// --policy adds a file of rules to the default pack on both sides (features.cav: the constructs
// the default pack does not use); --emit writes the flat translation's policies.
// Exit status 0 when every decision agrees, 1 when one does not, 2 on a failure to run.

import { execFileSync } from "node:child_process";
import { setFlagsFromString } from "node:v8";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as cedar from "@cedar-policy/cedar-wasm/nodejs";
import { normalize, translate } from "./translate.mjs";

// Node 20's V8 (11.3) aborts ("unreachable code" in Deoptimizer::DoComputeBuiltinContinuation)
// when a function into which TurboFan inlined a call to Wasm is deoptimised lazily while that call
// runs, which happens here after some thousands of Cedar calls. Not inlining JS-to-Wasm calls
// avoids it (the calls cost the same: Cedar's time is spent inside Wasm).
setFlagsFromString("--no-turbo-inline-js-wasm-calls");

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const opt = { queries: 1000000, runs: 5, entities: null, plain: null, policy: null, caveat: join(root, "build/caveat"),
    bench: join(root, "build/bench_eval"), set: null, emit: null, json: null };
for (let i = 2; i < process.argv.length; i += 2) {
    const k = process.argv[i].replace(/^--/, "");
    if (!(k in opt) || i + 1 >= process.argv.length) {
        console.error(`compare.mjs: unknown or incomplete option ${process.argv[i]}`);
        process.exit(2);
    }
    opt[k] = ["queries", "runs", "entities", "plain"].includes(k) ? Number(process.argv[i + 1]) : process.argv[i + 1];
}
opt.entities ??= Math.min(opt.queries, 100000);
opt.plain ??= Math.min(opt.queries, 2000);

const tmp = mkdtempSync(join(tmpdir(), "caveat-cedar-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
function fail(msg) {
    console.error(`compare.mjs: ${msg}`);
    process.exit(2);
}

function runTool(file, args, stdout) {
    try {
        execFileSync(file, args, { stdio: ["ignore", stdout, "inherit"] });
    } catch (e) {
        fail(`${file} ${args.join(" ")}: ${e.status === null ? e.message : `exit status ${e.status}`}`);
    }
}

// ---- the translation
runTool(opt.caveat, ["pack", "export", join(tmp, "pack")], "ignore");
const tr = {};
for (const encoding of ["flat", "entities"]) {
    const t = translate([join(tmp, "pack"), ...(opt.policy ? [opt.policy] : [])], encoding);
    const staticPolicies = t.policies;
    const checked = cedar.validate({ schema: t.schema, policies: { staticPolicies }, validationSettings: { mode: "strict" } });
    if (checked.type !== "success" || checked.validationErrors.length)
        fail(`the ${encoding} translation does not validate: ${JSON.stringify(checked).slice(0, 2000)}`);
    const pre = cedar.preparsePolicySet(encoding, { staticPolicies });
    if (pre.type !== "success") fail(`preparsePolicySet: ${JSON.stringify(pre)}`);
    tr[encoding] = t;
}
const t = tr.flat;
if (opt.emit) writeFileSync(opt.emit, t.text);
const npolicies = Object.keys(t.policies).length;
console.log(`Cedar ${cedar.getCedarVersion()} (@cedar-policy/cedar-wasm ${cedar.getCedarSDKVersion()}): ` +
    `${npolicies} policies from the pack's ${t.pack.rules.length} rules, in two encodings, each valid against its schema (strict)`);

// ---- the queries and caveat's decisions
const setFile = opt.set ?? join(tmp, "set.ndjson");
if (!opt.set)
    runTool(opt.bench, ["--cedar-set", String(opt.queries), setFile, String(opt.runs),
        ...(opt.policy ? ["@default", opt.policy] : [])], "inherit");
const lines = readFileSync(setFile, "utf8").split("\n").filter(Boolean);
const header = JSON.parse(lines[0]);
const cases = lines.length - 1;

const ruleId = (policyId) => t.ruleOf[policyId].id;
const ruleNames = new Map(t.pack.rules.map((x) => [normalize(x.id), x.id]));
const partyNames = t.pack.partyNames;
let policyErrors = 0;
// A party's decision from Cedar's answer (see 3. above).
function partyDecision(party, weapon, day, answer) {
    if (answer.type !== "success") fail(`Cedar failed: ${JSON.stringify(answer).slice(0, 1000)}`);
    const { decision, diagnostics } = answer.response;
    policyErrors += diagnostics.errors.length;
    if (decision === "deny" && diagnostics.reason.length)
        return { party, decision: "prohibited", basis: "forbid", rules: diagnostics.reason };
    if (!t.speaks(party, weapon, day)) return { party, decision: "unknown", basis: "silent", rules: [] };
    if (decision === "allow") return { party, decision: "permitted", basis: "permit", rules: diagnostics.reason };
    return { party, decision: "prohibited", basis: "default-deny", rules: [] };
}
function decide(r, ask) {
    const parties = new Array(r.parties.length);
    let prohibited = false, permitted = true;
    for (let i = 0; i < parties.length; i++) {
        const p = r.parties[i];
        const d = partyDecision(p.party, r.weapon, r.day, ask(p.call));
        prohibited ||= d.decision === "prohibited";
        permitted &&= d.decision === "permitted";
        parties[i] = d;
    }
    return { verdict: prohibited ? "prohibited" : permitted ? "permitted" : "unknown", parties };
}

// Where Cedar's decision differs from caveat's, what differs; "" when they agree.
function difference(c, verdict, parties) {
    if (c.decision !== verdict) return `decision: caveat ${c.decision}, Cedar ${verdict}`;
    if (c.parties.length !== parties.length) return `parties: caveat ${c.parties.length}, Cedar ${parties.length}`;
    for (let i = 0; i < c.parties.length; i++) {
        const cp = c.parties[i];
        const name = partyNames.get(normalize(cp.party));
        let p = null;
        for (let k = 0; k < parties.length; k++) if (parties[k].party === name) p = parties[k];
        if (!p) return `party ${cp.party}: not asked of Cedar`;
        if (p.decision !== cp.decision || p.basis !== cp.basis)
            return `party ${cp.party}: caveat ${cp.decision} (${cp.basis}), Cedar ${p.decision} (${p.basis})`;
        const mine = new Set();
        for (let k = 0; k < p.rules.length; k++) mine.add(ruleId(p.rules[k]));
        let same = mine.size === cp.nrules;
        for (let k = 0; k < cp.rules.length; k++) same &&= mine.has(ruleNames.get(normalize(cp.rules[k])));
        if (!same) return `party ${cp.party}: deciding rules: caveat [${cp.rules}]${cp.nrules > cp.rules.length ? ` of ${cp.nrules}` : ""}, Cedar [${[...mine]}]`;
    }
    return "";
}

// Decides cases [from, to) in Cedar with the translation tx and `ask`; checks each against caveat;
// returns the times.
function run(from, to, tx, ask, tally) {
    const CHUNK = 5000;
    let cpu = 0, wall = 0, calls = 0;
    for (let a = from; a < to; a += CHUNK) {
        const b = Math.min(to, a + CHUNK);
        const cs = [], rs = [];
        for (let i = a; i < b; i++) {
            cs.push(JSON.parse(lines[i + 1]));
            rs.push(tx.requests(cs[cs.length - 1]));
        }
        const out = new Array(rs.length);
        const c0 = process.cpuUsage(), w0 = performance.now();
        for (let i = 0; i < rs.length; i++) out[i] = decide(rs[i], ask);
        const w1 = performance.now(), c1 = process.cpuUsage(c0);
        wall += w1 - w0;
        cpu += c1.user + c1.system;
        for (let i = 0; i < rs.length; i++) {
            calls += out[i].parties.length;
            const d = difference(cs[i], out[i].verdict, out[i].parties);
            tally.verdicts[out[i].verdict] = (tally.verdicts[out[i].verdict] ?? 0) + 1;
            if (d) {
                tally.differ++;
                if (tally.examples.length < 10) tally.examples.push(`${lines[a + i + 1]}\n    ${d}`);
            }
        }
    }
    const n = to - from;
    return { queries: n, calls, cpu_us: cpu / n, wall_us: wall * 1000 / n, calls_per_decision: calls / n };
}

// The three ways of asking Cedar: the leanest requests against policies parsed once (every
// query: the agreement check and the headline ratio), Cedar's entity model against policies
// parsed once, and the leanest requests with the policies passed and parsed on every call.
const WAYS = [
    { name: "flat, preparsed", what: "statefulIsAuthorized, flat context, no entities", n: cases, tx: tr.flat,
        ask: (call) => cedar.statefulIsAuthorized({ ...call, preparsedPolicySetId: "flat" }) },
    { name: "entities, preparsed", what: "statefulIsAuthorized, weapon and kind entities", n: Math.min(opt.entities, cases), tx: tr.entities,
        ask: (call) => cedar.statefulIsAuthorized({ ...call, preparsedPolicySetId: "entities" }) },
    { name: "flat, parsed every call", what: "isAuthorized, the policies passed with each request", n: Math.min(opt.plain, cases), tx: tr.flat,
        ask: (call) => cedar.isAuthorized({ ...call, policies: { staticPolicies: tr.flat.policies } }) },
];
const caveatNs = header.caveat_cpu_ns;
console.log(`queries: ${cases} (every field given, no uncertainty, every zone settled by the boundary data; pack ${header.pack})`);
console.log(`caveat: ${caveatNs.toFixed(1)} ns a decision CPU (median of ${header.runs} runs over them; min ${header.caveat_cpu_min_ns.toFixed(1)}), ${header.caveat_wall_ns.toFixed(1)} ns wall`);
const results = [];
let differ = 0;
for (const way of WAYS) {
    if (!way.n) continue;
    const tally = { differ: 0, examples: [], verdicts: {} };
    const r = run(0, way.n, way.tx, way.ask, tally);
    differ += tally.differ;
    const ratio = r.cpu_us * 1000 / caveatNs, ratioWall = r.wall_us * 1000 / header.caveat_wall_ns;
    results.push({ way: way.name, api: way.what, ...r, ratio_cpu: ratio, ratio_wall: ratioWall, differ: tally.differ, verdicts: tally.verdicts });
    console.log(`Cedar ${way.name} (${way.what}), ${way.n} queries: agree ${way.n - tally.differ} of ${way.n} ` +
        `(${(100 * (way.n - tally.differ) / way.n).toFixed(3)} %; ${JSON.stringify(tally.verdicts)}); ` +
        `${r.cpu_us.toFixed(2)} µs a decision CPU (${(r.cpu_us / r.calls_per_decision).toFixed(2)} a call, ` +
        `${r.calls_per_decision.toFixed(3)} calls a decision), ${r.wall_us.toFixed(2)} wall: ` +
        `${ratio.toFixed(0)}x caveat (CPU), ${ratioWall.toFixed(0)}x (wall)`);
    for (const e of tally.examples) console.log(`  differs: ${e}`);
}
if (policyErrors) console.log(`Cedar policy evaluation errors: ${policyErrors}`);
if (opt.json)
    writeFileSync(opt.json, JSON.stringify({ cedar: cedar.getCedarVersion(), policies: npolicies, rules: t.pack.rules.length,
        caveat: header, cedar_runs: results, policy_errors: policyErrors }, null, 1) + "\n");
process.exitCode = differ || policyErrors ? 1 : 0;
