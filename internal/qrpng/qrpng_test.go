package qrpng

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
)

const base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// token returns a deterministic base32 string of length n, shaped like a card token.
func token(seed uint64, n int) string {
	r := rand.New(rand.NewPCG(seed, seed))
	var b strings.Builder
	for range n {
		b.WriteByte(base32Alphabet[r.IntN(len(base32Alphabet))])
	}
	return b.String()
}

func testTexts() map[string]string {
	return map[string]string{
		"Token144":    "TC1" + token(1, 141),
		"Short":       "TC1ABC",
		"EveryBase32": base32Alphabet,
		"Max150":      token(2, 150),
	}
}

// modules is the side of a QR symbol of version v, without its quiet zone.
func modules(v int) int { return 17 + 4*v }

func TestEncode(t *testing.T) {
	t.Parallel()
	for name, text := range testTexts() {
		for _, ppm := range []int{1, 3, 8} {
			t.Run(name+"/"+strconv.Itoa(ppm)+"px", func(t *testing.T) {
				t.Parallel()
				data, err := Encode(text, ppm)
				if err != nil {
					t.Fatalf("Encode: %v", err)
				}
				img, err := png.Decode(bytes.NewReader(data))
				if err != nil {
					t.Fatalf("not a valid PNG: %v", err)
				}
				v, err := Version(text)
				if err != nil {
					t.Fatalf("Version: %v", err)
				}
				want := (modules(v) + 8) * ppm
				if b := img.Bounds(); b.Dx() != want || b.Dy() != want {
					t.Fatalf("image is %dx%d, want %dx%d (version %d, %d px/module)", b.Dx(), b.Dy(), want, want, v, ppm)
				}
				assertBlackAndWhite(t, img)
				assertQuietZone(t, img, 4*ppm)
				// One pixel per module is below what a camera would ever see; the decoder's
				// binarizer needs a few pixels per module, as a real scan has.
				if ppm < 3 {
					return
				}
				got, ecLevel := decodeZXing(t, img)
				if got != text {
					t.Fatalf("decoded %q, want %q", got, text)
				}
				if ecLevel != "M" {
					t.Errorf("decoded error-correction level %q, want M", ecLevel)
				}
			})
		}
	}
}

func TestEncode_Invalid(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		text string
		ppm  int
	}{
		"ZeroPixels":     {"TC1ABC", 0},
		"NegativePixels": {"TC1ABC", -4},
		"HugePixels":     {"TC1ABC", 65},
		"EmptyText":      {"", 8},
		"TooLong":        {strings.Repeat("A", 5000), 8},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := Encode(c.text, c.ppm); err == nil {
				t.Fatal("Encode succeeded, want an error")
			}
		})
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	t.Run("Max150FitsVersion8", func(t *testing.T) {
		t.Parallel()
		for seed := range uint64(20) {
			text := token(seed, 150)
			v, err := Version(text)
			if err != nil {
				t.Fatalf("Version: %v", err)
			}
			if v > 8 {
				t.Fatalf("150-char token needs version %d, want ≤ 8", v)
			}
		}
	})
	t.Run("Token144", func(t *testing.T) {
		t.Parallel()
		v, err := Version("TC1" + token(1, 141))
		if err != nil {
			t.Fatalf("Version: %v", err)
		}
		// Alphanumeric mode at level M holds 122 characters in version 5 and 154 in version 6;
		// a higher version would mean go-qrcode fell back to byte mode or another level.
		if v != 6 {
			t.Fatalf("144-char token got version %d, want 6", v)
		}
	})
	t.Run("EmptyText", func(t *testing.T) {
		t.Parallel()
		if _, err := Version(""); err == nil {
			t.Fatal("Version succeeded, want an error")
		}
	})
}

// TestEncode_Zbarimg decodes with a second, unrelated decoder where one is installed, since two
// decoders agreeing is better evidence than one that might share a misreading with the encoder.
func TestEncode_Zbarimg(t *testing.T) {
	t.Parallel()
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Skip("zbarimg not on PATH")
	}
	dir := t.TempDir()
	for name, text := range testTexts() {
		data, err := Encode(text, 4)
		if err != nil {
			t.Fatalf("%s: Encode: %v", name, err)
		}
		file := filepath.Join(dir, name+".png")
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		out, err := exec.CommandContext(ctx, zbar, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", file).Output()
		cancel()
		if err != nil {
			t.Fatalf("%s: zbarimg: %v", name, err)
		}
		if got := strings.TrimRight(string(out), "\n"); got != text {
			t.Fatalf("%s: zbarimg decoded %q, want %q", name, got, text)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	text := "TC1" + token(1, 141)
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		if _, err := Encode(text, 8); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "png/s")
}

func decodeZXing(t *testing.T, img image.Image) (text, ecLevel string) {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatalf("gozxing bitmap: %v", err)
	}
	// No PURE_BARCODE hint: the decoder must find the finder patterns itself, as it would in
	// a photo, instead of trusting that the image is nothing but the code.
	res, err := zxqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("gozxing decode: %v", err)
	}
	lvl, _ := res.GetResultMetadata()[gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL].(string)
	return res.GetText(), lvl
}

func assertBlackAndWhite(t *testing.T, img image.Image) {
	t.Helper()
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			black := r == 0 && g == 0 && bl == 0
			white := r == 0xffff && g == 0xffff && bl == 0xffff
			if a != 0xffff || !(black || white) {
				t.Fatalf("pixel (%d,%d) is %v, want pure black or white", x, y, img.At(x, y))
			}
		}
	}
}

// assertQuietZone checks the border is white and that the symbol touches it on every side, so
// the border is exactly the quiet zone and not padding that would throw the size off.
func assertQuietZone(t *testing.T, img image.Image, width int) {
	t.Helper()
	b := img.Bounds()
	isWhite := func(x, y int) bool { r, _, _, _ := img.At(x, y).RGBA(); return r == 0xffff }
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			inBorder := x < width || y < width || x >= b.Max.X-width || y >= b.Max.Y-width
			if inBorder && !isWhite(x, y) {
				t.Fatalf("pixel (%d,%d) in the quiet zone is dark", x, y)
			}
		}
	}
	// Finder patterns put dark modules in the first and last symbol rows and columns.
	in := []image.Point{{width, width}, {b.Max.X - width - 1, width}, {width, b.Max.Y - width - 1}}
	for _, p := range in {
		if isWhite(p.X, p.Y) {
			t.Fatalf("pixel %v just inside the quiet zone is white, want a finder pattern corner", p)
		}
	}
}
