/** Picket's version (kept equal to package.json's): `--version`, agents' health reports, CEF headers. */
export const PICKET_VERSION = '0.1.0';
