// Imported first, for its side effect, by main.ts (what `npm start` runs) and the Electron app:
// the front door's thread starts loading before the modules of the rest of the server are even
// read, which keeps its start-up (~100 ms) off the time to ready (issue 6, figure 8).
import { startFrontDoorEarly } from './front-door.js';

startFrontDoorEarly();
