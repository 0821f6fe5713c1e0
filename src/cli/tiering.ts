// The CLI is a short-lived process: most of its code runs hot for a second or two. With V8's
// default tier-up budget, TurboFan compiles (on helper threads, competing with the run and, on a
// small controller, with the hosts' work) cost more CPU than they save: 0.35 s more of it in an
// 80-task than in a 5-task apply at 50 hosts (bench/README.md). Eight times the budget optimizes
// only what stays hot. Imported first by main.ts, before any other module's code runs; a budget
// given in NODE_OPTIONS or on node's command line wins.
import { setFlagsFromString } from 'node:v8';

const FLAG = '--interrupt-budget';
if (![...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.includes(FLAG))) setFlagsFromString(`${FLAG}=${8 * 66 * 1024}`);
