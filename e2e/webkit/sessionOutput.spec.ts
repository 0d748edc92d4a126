import { sessionOutputScenarios } from '../scenarios/sessionOutput.ts';
import { webkitTest } from '../support/fixtures.ts';

sessionOutputScenarios(webkitTest);
