// The helper is shared by every domain's routes; kept here too so existing imports keep working.
export { parseInput } from '../web/validate.js';
