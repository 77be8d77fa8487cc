/**
 * The embedded Postgres of a local platform (`npm start`), which a worker or API started alone
 * on the same machine joins unless DATABASE_URL says otherwise. Local only: the server listens
 * on the loopback interface of a developer's machine.
 */
export const LOCAL_DATABASE = { user: 'postgres', password: 'integrity-local', database: 'integrity' } as const;

export function localDatabaseUrl(port: number, database: string = LOCAL_DATABASE.database): string {
  return `postgres://${LOCAL_DATABASE.user}:${LOCAL_DATABASE.password}@127.0.0.1:${port}/${database}`;
}
