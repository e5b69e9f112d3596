// Global test setup. OWNER: interop helper (Python venv for PyIceberg/DuckDB/fastavro, cached under .cache/).
export default async function setup(): Promise<void> {}
