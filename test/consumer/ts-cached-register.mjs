// `node --import ./test/consumer/ts-cached-register.mjs script.ts`: see ts-cached-hooks.mjs.
import { register } from 'node:module';

register('./ts-cached-hooks.mjs', import.meta.url);
