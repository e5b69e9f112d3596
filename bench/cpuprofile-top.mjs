#!/usr/bin/env node
/**
 * Top hot spots of a V8 .cpuprofile (from `node --cpu-prof`): self time per function, and the
 * same rolled up per file, so a profile can be read without DevTools.
 *
 *   node bench/cpuprofile-top.mjs <file.cpuprofile> [N=20]
 *
 * Also importable: summarizeProfile(profile, n) -> { totalMs, functions, files }.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function shortUrl(url) {
  if (!url) return '(native)';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const rel = relative(ROOT, path);
  return rel.startsWith('..') ? path : rel;
}

/** Self time is what a sample landed in; samples are spread by timeDeltas, so weight by them. */
export function summarizeProfile(profile, n = 20) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    const dt = timeDeltas[i + 1] ?? 0; // delta i+1 is the time until the next sample, i.e. spent in sample i
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + Math.max(0, dt));
  }
  let total = 0;
  for (const [id, us] of selfUs) if (byId.get(id).callFrame.functionName !== '(idle)') total += us;
  total ||= 1;
  const fnTotals = new Map();
  const fileTotals = new Map();
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id);
    if (callFrame.functionName === '(idle)') continue; // off-CPU time, not a hot spot
    const file = shortUrl(callFrame.url);
    const fn = `${callFrame.functionName || '(anonymous)'} ${file}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ''}`;
    fnTotals.set(fn, (fnTotals.get(fn) ?? 0) + us);
    fileTotals.set(file, (fileTotals.get(file) ?? 0) + us);
  }
  const top = (m) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: us / 1000, pct: (100 * us) / total }));
  return { totalMs: total / 1000, functions: top(fnTotals), files: top(fileTotals) };
}

export function formatSummary(s) {
  const line = (r) => `  ${r.pct.toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}`;
  return [
    `sampled ${(s.totalMs / 1000).toFixed(2)} s on CPU (idle excluded)`,
    'self time by function:',
    ...s.functions.map(line),
    'self time by file:',
    ...s.files.map(line),
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, n] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node bench/cpuprofile-top.mjs <file.cpuprofile> [N]\n');
    process.exit(2);
  }
  console.log(formatSummary(summarizeProfile(JSON.parse(readFileSync(file, 'utf8')), Number(n ?? 20))));
}
