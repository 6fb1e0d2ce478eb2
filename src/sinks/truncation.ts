/** How a record shortened to fit a size limit says so: ECS `tags`, EVE `alert.metadata`, OCSF `unmapped`, CEF cs5. */
export const TRUNCATED_TAG = 'picket_truncated';
export const TRUNCATED_NOTE = 'evidence and message cut to fit the syslog message size limit';
