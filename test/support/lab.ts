export { startLab, type Lab, type LabHost, type LabHostSpec } from '../../src/lab/lab.js';
