package authzsql

import "io/fs"

type (
	fsFile   = fs.File
	dirEntry = fs.DirEntry
)

// subFS is what the migrations directory offers.
type subFS interface {
	fs.ReadDirFS
	fs.ReadFileFS
}

func fsSub(fsys fs.FS, dir string) (subFS, error) {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		return nil, err
	}
	s, ok := sub.(subFS)
	if !ok {
		return nil, fs.ErrInvalid
	}
	return s, nil
}
