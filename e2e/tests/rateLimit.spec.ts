import { rateLimitScenarios } from '../scenarios/rateLimit.ts';
import { test } from '../support/fixtures.ts';

rateLimitScenarios(test);
