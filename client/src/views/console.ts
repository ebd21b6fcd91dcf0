/**
 * The moderators' console, as one chunk of its own: the app loads it only when a console
 * page is opened, so a visitor's or member's browser never downloads it.
 */
export { Members, Suspensions } from './mod-admin';
export { ModLog } from './mod-log';
export { ModQueue } from './mod-queue';
