import { sessionOutputScenarios } from '../scenarios/sessionOutput.ts';
import { test } from '../support/fixtures.ts';

sessionOutputScenarios(test);
