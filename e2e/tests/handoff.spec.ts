import { handoffScenarios } from '../scenarios/handoff.ts';
import { test } from '../support/fixtures.ts';

handoffScenarios(test);
