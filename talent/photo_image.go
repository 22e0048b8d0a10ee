package talent

import (
	"bytes"
	"crypto/sha256"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"mime"
)

// MaxPhotoBytes is the most a photo may weigh, as uploaded and as stored: 2 MiB.
const MaxPhotoBytes = 2 << 20

// Bounds on a photo's pixels, read from its header before any pixel is decoded: a small file can
// declare an enormous image (a decompression bomb), whose pixels would not fit in memory.
const (
	maxPhotoSide   = 6000
	maxPhotoPixels = 40_000_000
)

// jpegQuality is the quality a JPEG photo is re-encoded at: indistinguishable from the upload for
// a face on a card, at a fraction of a camera's file size.
const jpegQuality = 85

// photoCodec reads and writes one of the two formats a photo may have.
type photoCodec struct {
	decodeConfig func(io.Reader) (image.Config, error)
	decode       func(io.Reader) (image.Image, error)
	encode       func(io.Writer, image.Image) error
	// orientation reads how the upload says it is to be shown (nil: as stored).
	orientation func([]byte) int
}

var photoCodecs = map[string]photoCodec{
	"image/jpeg": {decodeConfig: jpeg.DecodeConfig, decode: jpeg.Decode,
		encode:      func(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, &jpeg.Options{Quality: jpegQuality}) },
		orientation: jpegOrientation},
	"image/png": {decodeConfig: png.DecodeConfig, decode: png.Decode,
		encode: (&png.Encoder{CompressionLevel: png.BestCompression}).Encode},
}

// cleanPhoto is an uploaded image decoded and encoded afresh: only its pixels survive, never the
// metadata the upload carried (EXIF with the camera, the place, the time).
type cleanPhoto struct {
	contentType   string
	data          []byte
	sum           [sha256.Size]byte
	width, height int
}

// reencodePhoto checks an upload and re-encodes it in its own format. The declared content type
// decides the decoder, so a file that is not what it claims to be is refused; the dimensions are
// checked before the pixels are decoded; a JPEG is turned upright as its Exif orientation says; a
// result over MaxPhotoBytes is scaled down until it fits.
func reencodePhoto(contentType string, data []byte) (cleanPhoto, error) {
	mediaType, _, _ := mime.ParseMediaType(contentType)
	codec, ok := photoCodecs[mediaType]
	if !ok {
		return cleanPhoto{}, errPhotoType
	}
	if len(data) > MaxPhotoBytes {
		return cleanPhoto{}, errPhotoTooLarge
	}
	cfg, err := codec.decodeConfig(bytes.NewReader(data))
	if err != nil {
		return cleanPhoto{}, errPhotoUnreadable.With(err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxPhotoSide || cfg.Height > maxPhotoSide ||
		cfg.Width*cfg.Height > maxPhotoPixels {
		return cleanPhoto{}, errPhotoDimensions
	}
	img, err := codec.decode(bytes.NewReader(data))
	if err != nil {
		return cleanPhoto{}, errPhotoUnreadable.With(err)
	}
	if codec.orientation != nil {
		img = orient(img, codec.orientation(data)) // the metadata that says so is about to go
	}
	for range 4 {
		var buf bytes.Buffer
		if err := codec.encode(&buf, img); err != nil {
			return cleanPhoto{}, errPhotoUnreadable.With(err)
		}
		if buf.Len() <= MaxPhotoBytes {
			b := img.Bounds()
			return cleanPhoto{contentType: mediaType, data: buf.Bytes(), sum: sha256.Sum256(buf.Bytes()),
				width: b.Dx(), height: b.Dy()}, nil
		}
		// The file size goes with the pixel count: aim a little under the limit.
		img = shrink(img, math.Sqrt(float64(MaxPhotoBytes)/float64(buf.Len()))*0.9)
	}
	return cleanPhoto{}, errPhotoTooLarge
}

// shrink scales img by factor (below 1), each new pixel the average of the old pixels it covers.
func shrink(img image.Image, factor float64) image.Image {
	b := img.Bounds()
	src := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	w, h := max(1, int(float64(b.Dx())*factor)), max(1, int(float64(b.Dy())*factor))
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		y0, y1 := y*b.Dy()/h, max((y+1)*b.Dy()/h, y*b.Dy()/h+1)
		for x := range w {
			x0, x1 := x*b.Dx()/w, max((x+1)*b.Dx()/w, x*b.Dx()/w+1)
			var sum [4]int
			for sy := y0; sy < y1; sy++ {
				row := src.Pix[sy*src.Stride+x0*4 : sy*src.Stride+x1*4]
				for i := 0; i < len(row); i += 4 {
					sum[0] += int(row[i])
					sum[1] += int(row[i+1])
					sum[2] += int(row[i+2])
					sum[3] += int(row[i+3])
				}
			}
			n := (y1 - y0) * (x1 - x0)
			o := y*dst.Stride + x*4
			for c := range 4 {
				dst.Pix[o+c] = uint8(sum[c] / n)
			}
		}
	}
	return dst
}
