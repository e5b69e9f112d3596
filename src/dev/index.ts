/** The embedded dev setup (`floe dev`, `npm start`): emulator child processes and the dev stream. */
export {
  startEmulator,
  freePort,
  portInUse,
  type Emulator,
  type EmulatorName,
  type StartEmulatorOptions,
} from './emulator.js';
export { ensureStream, resetStreamPositions } from './stream.js';
export { friendlyLogStream } from './log.js';
