package output

import (
	"fmt"
	"strings"
)

// File formats: the names the read command's --format takes for files.
const (
	FormatJSONL   = "jsonl"
	FormatArrow   = "arrow"
	FormatParquet = "parquet"
)

// fileFormat is one entry of the registry: a name and how to open its
// writer in a folder.
type fileFormat struct {
	name string
	open func(dir string, schemas map[string]*Schema) Writer
}

// fileFormats is the registry of file formats, in the order help texts
// list them. A new format is one entry here (and its writer).
var fileFormats = []fileFormat{
	{FormatJSONL, NewJSONL},
	{FormatArrow, NewArrow},
	{FormatParquet, func(dir string, schemas map[string]*Schema) Writer {
		return NewParquet(dir, schemas, ParquetOptions{})
	}},
}

// FileFormats returns the names of the file formats.
func FileFormats() []string {
	names := make([]string, len(fileFormats))
	for i, f := range fileFormats {
		names[i] = f.name
	}
	return names
}

// IsFileFormat reports whether name is a file format.
func IsFileFormat(name string) bool {
	for _, f := range fileFormats {
		if f.name == name {
			return true
		}
	}
	return false
}

// Open returns the writer of format in dir, for streams of schemas.
func Open(format, dir string, schemas map[string]*Schema) (Writer, error) {
	for _, f := range fileFormats {
		if f.name == format {
			return f.open(dir, schemas), nil
		}
	}
	return nil, fmt.Errorf("output format %q: want %s", format, strings.Join(FileFormats(), ", "))
}
