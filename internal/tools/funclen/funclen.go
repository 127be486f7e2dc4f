package funclen

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MaxFuncLines is the longest a function may be, in lines from its `func`
// keyword to its closing brace inclusive.
const MaxFuncLines = 80

// MaxEngineFileLines is the longest a non-test file of the engine may be.
const MaxEngineFileLines = 400

// EngineDir is the engine's folder, relative to the module root, with
// forward slashes.
const EngineDir = "connector/engine"

// Finding is one function or file over its limit.
type Finding struct {
	// Pos is file:line, the file relative to the root that was walked.
	Pos string
	// Name is the function as `Name` or `(Recv).Name` (`(*engine).run`);
	// empty for a file.
	Name string
	// Lines is its length in lines.
	Lines int
	// Limit is the most it may have.
	Limit int
}

// String says the finding in one line: `a/b.go:12: (*T).M is 93 lines (limit 80)`.
func (f Finding) String() string {
	if f.Name == "" {
		return fmt.Sprintf("%s: file is %d lines (limit %d)", f.Pos, f.Lines, f.Limit)
	}
	return fmt.Sprintf("%s: %s is %d lines (limit %d)", f.Pos, f.Name, f.Lines, f.Limit)
}

// ModuleRoot walks up from dir to the first folder holding a go.mod.
func ModuleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// LongFuncs returns every function under root longer than limit lines, in
// file and line order. What counts is said in the package comment.
func LongFuncs(root string, limit int) ([]Finding, error) {
	var out []Finding
	fset := token.NewFileSet()
	err := walkGo(root, func(path, rel string) error {
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return fmt.Errorf("parse %s: %w", rel, err)
		}
		if ast.IsGenerated(f) {
			return nil
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			start := fset.Position(fd.Pos()).Line
			n := fset.Position(fd.Body.Rbrace).Line - start + 1
			if n > limit {
				out = append(out, Finding{Pos: fmt.Sprintf("%s:%d", rel, start), Name: funcName(fd), Lines: n, Limit: limit})
			}
		}
		return nil
	})
	return out, err
}

// LongFiles returns every non-test .go file under root/dir longer than
// limit lines. A dir that does not exist holds no file and gives none.
func LongFiles(root, dir string, limit int) ([]Finding, error) {
	top := filepath.Join(root, filepath.FromSlash(dir))
	if _, err := os.Stat(top); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	var out []Finding
	err := walkGo(top, func(path, _ string) error {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n := bytes.Count(b, []byte("\n"))
		if len(b) > 0 && b[len(b)-1] != '\n' {
			n++
		}
		if n > limit {
			rel, _ := filepath.Rel(root, path)
			out = append(out, Finding{Pos: filepath.ToSlash(rel) + ":1", Lines: n, Limit: limit})
		}
		return nil
	})
	return out, err
}

// funcName is `Name`, or `(Recv).Name` for a method.
func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	return "(" + types.ExprString(fd.Recv.List[0].Type) + ")." + fd.Name.Name
}

// walkGo calls fn, in lexical order, for each non-test .go file under top,
// leaving out the folders the go command leaves out and nested modules.
// rel is the path relative to top, with forward slashes.
func walkGo(top string, fn func(path, rel string) error) error {
	return filepath.WalkDir(top, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != top && skipDir(path, name) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(top, path)
		if err != nil {
			return err
		}
		return fn(path, filepath.ToSlash(rel))
	})
}

// skipDir says whether the folder is one the go command leaves out
// (testdata, vendor, ".x", "_x") or another module.
func skipDir(path, name string) bool {
	if name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
		return true
	}
	_, err := os.Stat(filepath.Join(path, "go.mod"))
	return err == nil
}
