package talent

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"

	"talentd/internal/errs"
)

// testImage is a w×h picture with some structure, so that encoders have something to do.
func testImage(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x + y) % 256), 255})
		}
	}
	return m
}

func encodeJPEG(t *testing.T, m image.Image, quality int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t *testing.T, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func codeOf(err error) string {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// TestReencodePhoto_PNGStaysPNG: a PNG is stored as a PNG, without the text chunks it carried.
func TestReencodePhoto_PNGStaysPNG(t *testing.T) {
	t.Parallel()
	plain := encodePNG(t, testImage(30, 40))
	text := []byte("Comment\x00拍摄于璧山区某小区")
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(text)))
	chunk = append(append(chunk, "tEXt"...), text...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	upload := append(append(append([]byte{}, plain[:33]...), chunk...), plain[33:]...) // after the IHDR chunk
	if _, err := png.Decode(bytes.NewReader(upload)); err != nil {
		t.Fatalf("the test upload is no PNG: %v", err)
	}
	clean, err := reencodePhoto("image/png", upload)
	if err != nil {
		t.Fatal(err)
	}
	if _, format, err := image.Decode(bytes.NewReader(clean.data)); err != nil || format != "png" || clean.contentType != "image/png" {
		t.Errorf("stored as %q (%s): %v", format, clean.contentType, err)
	}
	if bytes.Contains(clean.data, []byte("tEXt")) || clean.width != 30 || clean.height != 40 {
		t.Errorf("stored %dx%d, with the text chunk: %v", clean.width, clean.height, bytes.Contains(clean.data, []byte("tEXt")))
	}
}

func TestReencodePhoto_Refused(t *testing.T) {
	t.Parallel()
	jpg := encodeJPEG(t, testImage(64, 48), 90)
	var gifData bytes.Buffer
	if err := gif.Encode(&gifData, testImage(8, 8), nil); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, contentType string
		data              []byte
		code              string
	}{
		{"GIF", "image/gif", gifData.Bytes(), "photo_type"},
		{"GIF sent as JPEG", "image/jpeg", gifData.Bytes(), "photo_unreadable"},
		{"text", "text/plain", []byte("我是一张照片"), "photo_type"},
		{"text sent as PNG", "image/png", []byte("我是一张照片"), "photo_unreadable"},
		{"PNG sent as JPEG", "image/jpeg", encodePNG(t, testImage(8, 8)), "photo_unreadable"},
		{"truncated JPEG", "image/jpeg", jpg[:len(jpg)/2], "photo_unreadable"},
		{"empty", "image/jpeg", nil, "photo_unreadable"},
		{"too many pixels", "image/png", pngClaiming(t, 20000, 20000), "photo_dimensions"},
		{"too wide", "image/png", pngClaiming(t, 6001, 10), "photo_dimensions"},
		{"over 2 MiB", "image/jpeg", append(jpg, make([]byte, MaxPhotoBytes)...), "photo_too_large"},
	}
	for _, c := range cases {
		if _, err := reencodePhoto(c.contentType, c.data); codeOf(err) != c.code {
			t.Errorf("%s: got %v, want %s", c.name, err, c.code)
		}
	}
}

// pngClaiming is a valid 1×1 PNG whose header claims w×h: decoding its pixels would fail, so only
// a check of the header refuses it as too large.
func pngClaiming(t *testing.T, w, h int) []byte {
	t.Helper()
	data := encodePNG(t, testImage(1, 1))
	ihdr := data[8:] // length, "IHDR", width, height, …, CRC
	binary.BigEndian.PutUint32(ihdr[8:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[12:], uint32(h))
	binary.BigEndian.PutUint32(ihdr[21:], crc32.ChecksumIEEE(ihdr[4:21]))
	return data
}

// TestReencodePhoto_ShrinksToFit: an upload under the limit whose re-encoding is over it (a noisy
// picture saved at a low quality) is scaled down until it fits.
func TestReencodePhoto_ShrinksToFit(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	noise := image.NewRGBA(image.Rect(0, 0, 1800, 1800))
	for i := range noise.Pix {
		noise.Pix[i] = uint8(rng.IntN(256))
		if i%4 == 3 {
			noise.Pix[i] = 255
		}
	}
	upload := encodeJPEG(t, noise, 70)
	if len(upload) > MaxPhotoBytes {
		t.Fatalf("the test upload is %d bytes", len(upload))
	}
	decoded, err := jpeg.Decode(bytes.NewReader(upload))
	if err != nil {
		t.Fatal(err)
	}
	if full := encodeJPEG(t, decoded, jpegQuality); len(full) <= MaxPhotoBytes {
		t.Fatalf("the re-encoding at full size fits (%d bytes): the test shows nothing", len(full))
	}
	clean, err := reencodePhoto("image/jpeg", upload)
	if err != nil {
		t.Fatal(err)
	}
	if len(clean.data) > MaxPhotoBytes || clean.width >= 1800 || clean.height >= 1800 {
		t.Errorf("stored %d bytes at %dx%d", len(clean.data), clean.width, clean.height)
	}
}

// exifOriented is a JPEG of m with an Exif segment whose first directory holds the orientation o,
// written in the byte order given ("II" or "MM").
func exifOriented(t *testing.T, m image.Image, o uint16, byteOrder string) []byte {
	t.Helper()
	var order interface {
		binary.ByteOrder
		binary.AppendByteOrder
	} = binary.BigEndian
	if byteOrder == "II" {
		order = binary.LittleEndian
	}
	tiff := append([]byte(byteOrder), 0, 0, 0, 0, 0, 0)
	order.PutUint16(tiff[2:], 42)
	order.PutUint32(tiff[4:], 8)
	tiff = order.AppendUint16(tiff, 1)                             // one entry
	tiff = order.AppendUint16(order.AppendUint16(tiff, 0x0112), 3) // orientation, SHORT
	tiff = order.AppendUint16(order.AppendUint32(tiff, 1), o)
	tiff = append(tiff, 0, 0, 0, 0, 0, 0) // the value's padding, no next directory
	payload := append([]byte("Exif\x00\x00"), tiff...)
	jpg := encodeJPEG(t, m, 95)
	seg := binary.BigEndian.AppendUint16([]byte{0xFF, 0xE1}, uint16(len(payload)+2))
	return append(append(append(append([]byte{}, jpg[:2]...), seg...), payload...), jpg[2:]...)
}

// TestReencodePhoto_TurnsUpright: a phone's portrait, stored sideways with an Exif orientation,
// is stored upright, since the orientation does not survive the re-encoding.
func TestReencodePhoto_TurnsUpright(t *testing.T) {
	t.Parallel()
	// Landscape as stored: the left half red, the right half blue.
	m := image.NewRGBA(image.Rect(0, 0, 80, 40))
	for y := range 40 {
		for x := range 80 {
			c := color.RGBA{220, 20, 20, 255}
			if x >= 40 {
				c = color.RGBA{20, 20, 220, 255}
			}
			m.Set(x, y, c)
		}
	}
	red := func(c color.Color) bool { r, _, b, _ := c.RGBA(); return r > 2*b }
	cases := []struct {
		o             uint16
		order         string
		w, h          int
		redAt, blueAt image.Point
	}{
		{1, "MM", 80, 40, image.Pt(10, 20), image.Pt(70, 20)},
		{3, "II", 80, 40, image.Pt(70, 20), image.Pt(10, 20)},
		{6, "MM", 40, 80, image.Pt(20, 10), image.Pt(20, 70)}, // turned clockwise: the left half on top
		{8, "II", 40, 80, image.Pt(20, 70), image.Pt(20, 10)},
		{2, "II", 80, 40, image.Pt(70, 20), image.Pt(10, 20)},
	}
	for _, c := range cases {
		clean, err := reencodePhoto("image/jpeg", exifOriented(t, m, c.o, c.order))
		if err != nil {
			t.Fatal(err)
		}
		got, err := jpeg.Decode(bytes.NewReader(clean.data))
		if err != nil {
			t.Fatal(err)
		}
		if clean.width != c.w || clean.height != c.h || !red(got.At(c.redAt.X, c.redAt.Y)) || red(got.At(c.blueAt.X, c.blueAt.Y)) {
			t.Errorf("orientation %d: stored %dx%d, red at %v: %v, blue at %v: %v", c.o, clean.width, clean.height,
				c.redAt, red(got.At(c.redAt.X, c.redAt.Y)), c.blueAt, !red(got.At(c.blueAt.X, c.blueAt.Y)))
		}
	}
}
