# shapes.py: the procedural dataset of the bundled demo model. One anti-aliased coloured shape
# (circle, square or equilateral triangle, all of the same area for a given scale) on a plain grey
# background; seven factors, each read from one coordinate of the normalized latent (see factors()).
# The C++ factor estimators (tools/lfgen/factor_estimators.*) are tested against a C++ twin of render().
import math

import torch

# Factor ranges in pixels of a SIZE x SIZE image (SIZE = 64); documented in tools/train_demo/README.md.
SIZE = 64
SHAPES = ("circle", "square", "triangle")
CENTER_RANGE = (20.0, 44.0)  # x and y of the centroid
RADIUS_RANGE = (5.0, 11.0)  # radius of the circle of the same area
ROTATION_RANGE = (0.0, math.pi / 2)  # radians, counter-clockwise in image coordinates (y down)
HUE_RANGE = (0.0, 1.0)  # HSV hue of the foreground (saturation 0.9, value 0.95); wraps around
BACKGROUND_RANGE = (0.05, 0.45)  # grey level of the background
FACTOR_NAMES = ("shape", "x", "y", "scale", "rotation", "hue", "background")


def normal_cdf(t):
    return 0.5 * (1 + torch.erf(t / math.sqrt(2)))


def lerp(r, u):
    return r[0] + (r[1] - r[0]) * u


def factors(z):
    """z [N, z_dim >= 7] -> dict of [N] factors. The generator sees z only through the mapping
    network's normalize_2nd_moment, so the factors are read from zn = z / rms(z): factor i is
    Phi(zn_i) mapped onto its range (shape: Phi in thirds)."""
    z = z.to(torch.float64)
    zn = z * (z.square().mean(dim=1, keepdim=True) + 1e-8).rsqrt()
    u = normal_cdf(zn[:, :7]).clamp(0, 1 - 1e-12)
    return {
        "shape": torch.floor(u[:, 0] * 3).long(),
        "x": lerp(CENTER_RANGE, u[:, 1]),
        "y": lerp(CENTER_RANGE, u[:, 2]),
        "scale": lerp(RADIUS_RANGE, u[:, 3]),
        "rotation": lerp(ROTATION_RANGE, u[:, 4]),
        "hue": lerp(HUE_RANGE, u[:, 5]),
        "background": lerp(BACKGROUND_RANGE, u[:, 6]),
    }


def hsv_to_rgb(h, s, v):
    """h, s, v [N] in [0, 1] -> [N, 3]."""
    k = torch.stack([(5 + h * 6) % 6, (3 + h * 6) % 6, (1 + h * 6) % 6], dim=1)
    return v[:, None] - v[:, None] * s[:, None] * torch.clamp(torch.minimum(k, 4 - k), 0, 1)


def signed_distance(shape, px, py, r):
    """px, py [N, H, W]: pixel centres relative to the centroid, already rotated into the shape's
    frame; r [N, 1, 1]: radius of the equal-area circle. Returns the (approximate) signed distance,
    negative inside."""
    circle = torch.sqrt(px * px + py * py) - r
    half = r * math.sqrt(math.pi) / 2  # square of area pi r^2
    square = torch.maximum(px.abs(), py.abs()) - half
    inradius = r * math.sqrt(math.pi / (3 * math.sqrt(3)))  # equilateral triangle of area pi r^2
    tri = None
    for k in range(3):  # edge normals at -90, 30, 150 degrees: a vertex points up (towards -y)
        a = -math.pi / 2 + k * 2 * math.pi / 3 + math.pi
        d = px * math.cos(a) + py * math.sin(a) - inradius
        tri = d if tri is None else torch.maximum(tri, d)
    s = shape[:, None, None]
    return torch.where(s == 0, circle, torch.where(s == 1, square, tri))


def render(f, size=SIZE, with_coverage=False):
    """factors -> images [N, 3, size, size] float32 in [0, 1] (and with_coverage: the shape's
    coverage [N, 1, size, size]). Coverage is the signed distance clamped to one pixel of
    anti-aliasing, so every factor moves the image continuously."""
    n = f["x"].shape[0]
    coords = torch.arange(size, dtype=torch.float64) + 0.5
    gy, gx = torch.meshgrid(coords, coords, indexing="ij")
    dx = gx[None] - f["x"][:, None, None]
    dy = gy[None] - f["y"][:, None, None]
    c, s = torch.cos(f["rotation"])[:, None, None], torch.sin(f["rotation"])[:, None, None]
    px = c * dx + s * dy  # rotate by -rotation into the shape frame
    py = -s * dx + c * dy
    d = signed_distance(f["shape"], px, py, f["scale"][:, None, None])
    alpha = torch.clamp(0.5 - d, 0, 1)[:, None]  # [N, 1, H, W]
    fg = hsv_to_rgb(f["hue"] % 1.0, torch.full([n], 0.9, dtype=torch.float64),
                    torch.full([n], 0.95, dtype=torch.float64))[:, :, None, None]  # [N, 3, 1, 1]
    bg = f["background"][:, None, None, None]
    img = (bg * (1 - alpha) + fg * alpha).to(torch.float32)
    return (img, alpha.to(torch.float32)) if with_coverage else img
