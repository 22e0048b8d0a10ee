// Package qrpng renders the QR code of a green card as a PNG that any scanner at a service window
// can read: square integer-sized modules, the standard quiet zone, pure black on white.
//
// Level M is used rather than Q: a signed card token (≤ 150 base32 characters, QR alphanumeric
// mode) is then version 6 (41 modules) instead of version 8 (49), so at the same printed or
// on-screen size each module is ~20% larger, which matters more to cheap window scanners and
// phone screens than Q's extra 10% of damage recovery; a misread cannot forge a card anyway,
// because the token's signature is checked after decoding. M also keeps the token ≤ version 8
// with room to grow (221 characters), where Q would already sit at its version 8 limit (157).
//
// For screens, 8 pixels per module (392 px for a version 6 token) is a good default; for print,
// choose the pixel size so that a module is at least 0.5 mm on paper.
package qrpng

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"sync"

	"github.com/skip2/go-qrcode"
)

// level is the error-correction level of every code this package draws; see the package doc.
const level = qrcode.Medium

// maxPixelsPerModule bounds the image so that a bad argument cannot make a caller allocate
// hundreds of megabytes: 64 px per module already gives a >3000 px version 8 code.
const maxPixelsPerModule = 64

// palette puts white first so that the zero value of a fresh image is the background and only
// dark modules need writing; two entries make image/png write a 1-bit PNG.
var palette = color.Palette{color.White, color.Black}

// encoder reuses its deflate state through a pool: the compressor's tables are most of the memory
// a PNG encode would otherwise allocate. The default level makes a card's PNG half the size that
// BestSpeed does (about 0.6 KB against 1.2 KB) for ~0.3 ms more; BestCompression gains a few
// bytes for another millisecond. Most of the time goes into packing 1-bit pixels, not deflate.
var encoder = png.Encoder{CompressionLevel: png.DefaultCompression, BufferPool: &bufferPool{}}

type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() *png.EncoderBuffer {
	if v, ok := b.p.Get().(*png.EncoderBuffer); ok {
		return v
	}
	return nil
}

func (b *bufferPool) Put(v *png.EncoderBuffer) { b.p.Put(v) }

// Encode renders text as a PNG QR code at level M, with a 4-module quiet zone and each module
// exactly pixelsPerModule pixels square (1–64), black on white with no grey pixels.
func Encode(text string, pixelsPerModule int) ([]byte, error) {
	if pixelsPerModule < 1 || pixelsPerModule > maxPixelsPerModule {
		return nil, fmt.Errorf("qrpng: pixels per module %d outside 1..%d", pixelsPerModule, maxPixelsPerModule)
	}
	q, err := newCode(text)
	if err != nil {
		return nil, err
	}
	// Drawn here rather than by go-qrcode's own PNG method, which maps pixels to modules through
	// floating point and compresses at the slowest level; Bitmap must be called only once per
	// code, since each call appends the terminator bits again.
	bits := q.Bitmap()
	n := len(bits) * pixelsPerModule
	img := image.NewPaletted(image.Rect(0, 0, n, n), palette)
	for my, row := range bits {
		line := img.Pix[my*pixelsPerModule*img.Stride:][:n]
		for mx, dark := range row {
			if dark {
				px := line[mx*pixelsPerModule:][:pixelsPerModule]
				for i := range px {
					px[i] = 1
				}
			}
		}
		for y := 1; y < pixelsPerModule; y++ {
			copy(img.Pix[(my*pixelsPerModule+y)*img.Stride:][:n], line)
		}
	}
	var buf bytes.Buffer
	buf.Grow(n * n / 64)
	if err := encoder.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("qrpng: %w", err)
	}
	return buf.Bytes(), nil
}

// Version reports the QR version (1–40) that Encode uses for text.
func Version(text string) (int, error) {
	q, err := newCode(text)
	if err != nil {
		return 0, err
	}
	return q.VersionNumber, nil
}

func newCode(text string) (*qrcode.QRCode, error) {
	if text == "" {
		// A scanner shows nothing for an empty code, so it can only be a caller's mistake.
		return nil, errors.New("qrpng: empty text")
	}
	q, err := qrcode.New(text, level)
	if err != nil {
		return nil, fmt.Errorf("qrpng: %w", err)
	}
	return q, nil
}
