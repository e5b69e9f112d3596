// Module hooks that let a plain `node` child process run floe's TypeScript sources directly, with
// no build step: `.ts` files are transpiled (types stripped) by the project's own `typescript`, and
// the `.js` specifiers the sources use (NodeNext style) resolve to the `.ts` file beside them.
// The transpiled output is cached on disk by content hash: the crash test starts the consumer dozens
// of times, and loading + running the TypeScript compiler on every start costs seconds per process.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { URL, fileURLToPath } from 'node:url';

const CACHE = join(dirname(fileURLToPath(import.meta.url)), '../../.cache/ts-transpile');
let ts;

export async function resolve(specifier, context, nextResolve) {
  if (
    specifier.endsWith('.js') &&
    context.parentURL?.endsWith('.ts') &&
    /^(\.{1,2}\/|\/|file:)/.test(specifier)
  ) {
    const url = new URL(specifier, context.parentURL);
    const tsUrl = url.href.slice(0, -3) + '.ts';
    if (!existsSync(fileURLToPath(url)) && existsSync(fileURLToPath(tsUrl)))
      return { url: tsUrl, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && url.endsWith('.ts')) {
    const fileName = fileURLToPath(url);
    const text = readFileSync(fileName, 'utf8');
    const key = createHash('sha256').update(fileName).update('\0').update(text).digest('hex');
    const cached = join(CACHE, `${key}.js`);
    if (existsSync(cached))
      return { format: 'module', source: readFileSync(cached, 'utf8'), shortCircuit: true };
    ts ??= (await import('typescript')).default;
    const out = ts.transpileModule(text, {
      fileName,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
        inlineSourceMap: true,
      },
    });
    mkdirSync(CACHE, { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    writeFileSync(tmp, out.outputText);
    renameSync(tmp, cached);
    return { format: 'module', source: out.outputText, shortCircuit: true };
  }
  return nextLoad(url, context);
}
