export { LogStore, LogWriter, type LogKind, type LogListener } from './log-store.js';
export { LineSplitter, MAX_CHUNK_BYTES } from './line-splitter.js';
export { attachContainerOutput, followContainerOutput, type OutputCapture } from './container-output.js';
