export { SchedulesService, MAX_SCHEDULES_PER_PROJECT, type ScheduleInput } from './schedules-service.js';
export { createSchedulesRouter } from './schedules-router.js';
export { checkCron, checkTimezone, machineTimezone } from './cron-expression.js';
