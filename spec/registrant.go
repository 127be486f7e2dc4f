package spec

import "io/fs"

// RegistrantSchemaFile is the name, inside FS, of the JSON Schema of one
// input row of the write command (draft-07).
const RegistrantSchemaFile = "registrant.schema.json"

// RegistrantSchema returns the raw bytes of registrant.schema.json, a fresh
// copy the caller may modify.
func RegistrantSchema() []byte {
	b, err := fs.ReadFile(FS, RegistrantSchemaFile)
	if err != nil {
		// The file is embedded at build time; this cannot happen.
		panic("spec: " + err.Error())
	}
	return b
}
