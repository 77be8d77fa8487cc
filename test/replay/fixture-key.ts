import { createDataConverter } from '../../src/temporal/connection';

/**
 * The payload key of the replay corpus, a fixture of this folder and of nothing else: the stored
 * histories keep their payloads encrypted as production does, and the replayer decrypts them with
 * the same key. Never a platform's key.
 */
export const REPLAY_KEYS = {
  PAYLOAD_KEY_ID: 'replay-fixture',
  PAYLOAD_KEY: 'cmVwbGF5LWNvcnB1cy1maXh0dXJlLWtleS0zMmJ5dGU=',
  PAYLOAD_PREVIOUS_KEYS: {},
};

export const replayDataConverter = () => createDataConverter(REPLAY_KEYS);
