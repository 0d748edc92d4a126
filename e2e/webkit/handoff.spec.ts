import { handoffScenarios } from '../scenarios/handoff.ts';
import { webkitTest } from '../support/fixtures.ts';

handoffScenarios(webkitTest);
