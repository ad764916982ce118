//! PNG text, laid out glyph by glyph with each glyph's side bearing and the font's kerning.
//!
//! The bitmap backend's own text drawing places every glyph's bitmap at the pen position and
//! drops its left side bearing, which spreads some letter pairs apart ("subn et-a"). [`PngCanvas`]
//! wraps the bitmap backend and lays text out itself: glyphs are positioned on a common baseline
//! at pen + bearing, and the box used for anchoring and for the chart's label areas is the text's
//! advance width by the font's line height. Everything else is the bitmap backend's.

use ab_glyph::{point, Font, FontRef, Glyph, PxScale, ScaleFont};
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, FontStyle,
};

/// The fonts every chart uses (the `dejavu` crate's TTF bytes, compiled in).
struct Faces {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

fn faces() -> Option<&'static Faces> {
    static FACES: std::sync::OnceLock<Option<Faces>> = std::sync::OnceLock::new();
    FACES
        .get_or_init(|| {
            Some(Faces {
                regular: FontRef::try_from_slice(dejavu::sans::regular()).ok()?,
                bold: FontRef::try_from_slice(dejavu::sans::bold()).ok()?,
            })
        })
        .as_ref()
}

/// One laid-out line: glyphs on a baseline at `ascent` below the box's top.
struct Layout {
    glyphs: Vec<Glyph>,
    width: f32,
    height: f32,
}

fn layout(font: &FontRef<'static>, size: f32, text: &str) -> Layout {
    let scaled = font.as_scaled(PxScale::from(size));
    let ascent = scaled.ascent();
    let mut pen = 0.0f32;
    let mut prev = None;
    let mut glyphs = Vec::with_capacity(text.len());
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            pen += scaled.kern(p, id);
        }
        glyphs.push(id.with_scale_and_position(PxScale::from(size), point(pen, ascent)));
        pen += scaled.h_advance(id);
        prev = Some(id);
    }
    Layout {
        glyphs,
        width: pen,
        height: ascent - scaled.descent(),
    }
}

/// A bitmap backend whose text is laid out with side bearings and kerning.
pub struct PngCanvas<'a> {
    inner: BitMapBackend<'a>,
}

impl<'a> PngCanvas<'a> {
    pub fn with_buffer(buf: &'a mut [u8], size: (u32, u32)) -> PngCanvas<'a> {
        PngCanvas {
            inner: BitMapBackend::with_buffer(buf, size),
        }
    }

    fn font_for<S: BackendTextStyle>(style: &S) -> Option<&'static FontRef<'static>> {
        let f = faces()?;
        Some(match style.style() {
            FontStyle::Bold => &f.bold,
            _ => &f.regular,
        })
    }
}

type Error<'a> = DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>;

impl<'a> DrawingBackend for PngCanvas<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Error<'a>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Error<'a>> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Error<'a>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), Error<'a>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), Error<'a>> {
        let Some(font) = Self::font_for(style) else {
            return self.inner.estimate_text_size(text, style);
        };
        let l = layout(font, style.size() as f32, text);
        Ok((l.width.ceil() as u32, l.height.ceil() as u32))
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), Error<'a>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let Some(font) = Self::font_for(style) else {
            return self.inner.draw_text(text, style, pos);
        };
        let l = layout(font, style.size() as f32, text);
        let (w, h) = (l.width.round() as i32, l.height.round() as i32);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -w,
            HPos::Center => -w / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -h / 2,
            VPos::Bottom => -h,
        };
        let trans = style.transform();
        let (cw, ch) = self.get_size();
        let mut pixels = Vec::new();
        for g in l.glyphs {
            if let Some(outline) = font.outline_glyph(g) {
                let b = outline.px_bounds();
                outline.draw(|x, y, coverage| {
                    if coverage > 0.0 {
                        pixels.push((
                            b.min.x as i32 + x as i32,
                            b.min.y as i32 + y as i32,
                            coverage,
                        ));
                    }
                });
            }
        }
        for (x, y, coverage) in pixels {
            let (x, y) = trans.transform(x + dx, y + dy);
            let (x, y) = (pos.0 + x, pos.1 + y);
            if x >= 0 && y >= 0 && (x as u32) < cw && (y as u32) < ch {
                let c = BackendColor {
                    alpha: color.alpha * f64::from(coverage.min(1.0)),
                    rgb: color.rgb,
                };
                self.inner.draw_pixel((x, y), c)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::style::IntoFont;

    /// Columns of `buf` (RGB, white background) that hold any ink.
    fn ink_columns(buf: &[u8], size: (u32, u32)) -> Vec<bool> {
        (0..size.0 as usize)
            .map(|x| {
                (0..size.1 as usize).any(|y| {
                    let i = (y * size.0 as usize + x) * 3;
                    buf[i] < 250
                })
            })
            .collect()
    }

    #[test]
    fn glyphs_keep_their_side_bearings() {
        // Ink of "ne" at 60 px: the blank gap between the n and the e must be the n's right
        // side bearing plus the e's left side bearing (plus kerning), as the font defines them.
        let size = (200u32, 100u32);
        let mut buf = vec![255u8; (size.0 * size.1 * 3) as usize];
        {
            let root = PngCanvas::with_buffer(&mut buf, size).into_drawing_area();
            root.draw(&Text::new("ne", (10, 10), ("sans-serif", 60).into_font()))
                .unwrap();
            root.present().unwrap();
        }
        let ink = ink_columns(&buf, size);
        let runs: Vec<(usize, usize)> = {
            let mut v = Vec::new();
            let mut start = None;
            for (x, &on) in ink.iter().enumerate() {
                match (on, start) {
                    (true, None) => start = Some(x),
                    (false, Some(s)) => {
                        v.push((s, x));
                        start = None;
                    }
                    _ => {}
                }
            }
            v
        };
        assert_eq!(runs.len(), 2, "two glyphs of ink: {runs:?}");
        let gap = (runs[1].0 - runs[0].1) as f32;

        let f = faces().unwrap();
        let scaled = f.regular.as_scaled(PxScale::from(60.0));
        let (n, e) = (scaled.glyph_id('n'), scaled.glyph_id('e'));
        let bounds = |id: ab_glyph::GlyphId, x: f32| {
            f.regular
                .outline_glyph(id.with_scale_and_position(PxScale::from(60.0), point(x, 0.0)))
                .unwrap()
                .px_bounds()
        };
        let n_box = bounds(n, 0.0);
        let e_box = bounds(e, scaled.h_advance(n) + scaled.kern(n, e));
        let expected = e_box.min.x - n_box.max.x;
        assert!(
            (gap - expected).abs() <= 1.5,
            "gap {gap} px between n and e, the font says {expected}"
        );
        // And the first ink starts at the n's left side bearing from the anchor.
        assert!((runs[0].0 as f32 - (10.0 + n_box.min.x)).abs() <= 1.5);
    }

    #[test]
    fn the_text_box_is_the_advance_width_by_the_line_height() {
        let size = (10u32, 10u32);
        let mut buf = vec![255u8; (size.0 * size.1 * 3) as usize];
        let canvas = PngCanvas::with_buffer(&mut buf, size);
        let style: TextStyle = ("sans-serif", 20).into_font().into();
        let (w1, h) = canvas.estimate_text_size("subnet", &style).unwrap();
        let (w2, _) = canvas.estimate_text_size("subnet-a", &style).unwrap();
        assert!(w2 > w1 && h >= 20, "{w1} {w2} {h}");
    }
}
