package greencard

import "sync"

// pngCache keeps the encoded QR PNG of each card version: encoding costs milliseconds and a card
// version never changes, so each is encoded once. Bounded: past the limit an arbitrary entry goes.
type pngCache struct {
	mu    sync.Mutex
	limit int
	items map[string][]byte
}

func newPNGCache(limit int) *pngCache { return &pngCache{limit: limit, items: map[string][]byte{}} }

func (c *pngCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.items[key]
	return b, ok
}

func (c *pngCache) put(key string, png []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.items) >= c.limit {
		for k := range c.items {
			delete(c.items, k)
			break
		}
	}
	c.items[key] = png
}
