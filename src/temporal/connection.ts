import { Client, Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config';
import { SEARCH_ATTRIBUTES } from '../workflows/shared/contract';
import { EncryptionCodec } from './codec';

const ALREADY_EXISTS = 6; // gRPC status code

type PayloadKeys = Pick<Config, 'PAYLOAD_KEY' | 'PAYLOAD_KEY_ID' | 'PAYLOAD_PREVIOUS_KEYS'>;

export function createPayloadCodec(config: PayloadKeys): EncryptionCodec {
  const previous = Object.fromEntries(Object.entries(config.PAYLOAD_PREVIOUS_KEYS).map(([id, key]) => [id, Buffer.from(key, 'base64')]));
  return new EncryptionCodec(config.PAYLOAD_KEY_ID, Buffer.from(config.PAYLOAD_KEY, 'base64'), previous);
}

/** The data converter shared by every client and worker: all payloads encrypted (Art. 22). */
export function createDataConverter(config: PayloadKeys) {
  return { payloadCodecs: [createPayloadCodec(config)] };
}

function connectionOptions(address: string, apiKey: string | undefined): { address: string; apiKey?: string; tls?: boolean } {
  // Temporal Cloud and other secured clusters take an API key over TLS.
  return apiKey ? { address, apiKey, tls: true } : { address };
}

export async function connectClient(config: Config, address: string): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect(connectionOptions(address, config.TEMPORAL_API_KEY));
  return { client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: createDataConverter(config) }), connection };
}

export function connectWorkerConnection(config: Config, address: string): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(address, config.TEMPORAL_API_KEY));
}

/**
 * Registers the platform's custom search attributes on a server that does not have them yet
 * (an external cluster, or the time-skipping test server); the local dev server gets them from
 * its start flags. Already registered attributes are left alone.
 */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  for (const key of SEARCH_ATTRIBUTES) {
    try {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: { [key.name]: encodeSearchAttributeIndexedValueType(key.type)! },
      });
    } catch (error) {
      if ((error as { code?: number }).code !== ALREADY_EXISTS) throw error;
    }
  }
}
