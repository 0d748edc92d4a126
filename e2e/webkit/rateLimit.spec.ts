import { rateLimitScenarios } from '../scenarios/rateLimit.ts';
import { webkitTest } from '../support/fixtures.ts';

rateLimitScenarios(webkitTest);
