/**
 * Timer and schedule ids: UUIDv7, time-ordered, so inserts append to the primary
 * key and "newest first" is the id order. Minted here only: the api for what
 * clients create, the controller for schedules' occurrences.
 */
import { v7 as uuidv7 } from 'uuid';

export function newId(): string {
  return uuidv7();
}
