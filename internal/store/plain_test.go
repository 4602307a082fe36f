package store_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// TestExportedStructsArePlain keeps json tags off the store's exported
// structs: the API and the JSON export have their own shapes, and a store
// struct that gained tags would soon be sent out as a response again.
// (An unexported type may name the keys of a JSON column it decodes.)
func TestExportedStructsArePlain(t *testing.T) {
	files, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if !strings.HasSuffix(f.Name(), ".go") || strings.HasSuffix(f.Name(), "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f.Name(), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok || !ts.Name.IsExported() {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			for _, field := range st.Fields.List {
				if field.Tag != nil && strings.Contains(field.Tag.Value, "json:") {
					t.Errorf("%s: %s has a json tag %s", fset.Position(field.Pos()), ts.Name.Name, field.Tag.Value)
				}
			}
			return true
		})
	}
}
