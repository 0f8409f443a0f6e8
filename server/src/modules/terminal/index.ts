export { TerminalSockets, isTerminalRequest, parseResize, terminalSize } from './terminal-socket.js';
