package io.kqueueffm.harness;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The report's charts, drawn by XChart and written as SVG (for the HTML) and PNG (for a README). */
final class Charts {
    /** One colour per transport, the same in every chart. */
    private static final Map<Transport, Color> COLORS = Map.of(
            Transport.KQUEUE_FFM, new Color(0xD6, 0x5F, 0x00),
            Transport.NIO, new Color(0x55, 0x6B, 0x8D),
            Transport.EPOLL, new Color(0x2E, 0x8B, 0x57),
            Transport.KQUEUE_JNI, new Color(0x8E, 0x44, 0xAD));

    private Charts() {
    }

    /**
     * Bars of a ratio to NIO per category (workloads, or measures of one workload), one series per
     * transport, error bars spanning the per-round ratios.
     */
    static CategoryChart ratioBars(String title, String yTitle, List<String> categories, List<Transport> transports,
                                   Function<Transport, List<Summary.Spread>> values) {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(420).title(title)
                .yAxisTitle(yTitle).build();
        style(chart.getStyler());
        chart.getStyler().setErrorBarsColor(Color.DARK_GRAY);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisDecimalPattern("0.00");
        List<Color> colors = new ArrayList<>();
        for (Transport t : transports) {
            List<Summary.Spread> s = values.apply(t);
            List<Double> y = new ArrayList<>();
            List<Double> err = new ArrayList<>();
            for (Summary.Spread v : s) {
                y.add(v.present() ? v.median() : 0.0);
                err.add(v.halfRange());
            }
            CategorySeries series = chart.addSeries(t.id, categories, y, err);
            series.setFillColor(COLORS.get(t));
            colors.add(COLORS.get(t));
        }
        chart.getStyler().setSeriesColors(colors.toArray(Color[]::new));
        return chart;
    }

    /** Latency at each percentile, log scale, one line per transport (all rounds merged). */
    static CategoryChart latency(String title, List<Summary> summaries) {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(420).title(title)
                .xAxisTitle("percentile").yAxisTitle("latency (µs, log scale)").build();
        style(chart.getStyler());
        chart.getStyler().setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
        chart.getStyler().setYAxisLogarithmic(true);
        // Lines share each percentile's x position rather than standing side by side like bars.
        chart.getStyler().setOverlapped(true);
        List<String> x = new ArrayList<>();
        for (double p : Summary.PERCENTILES) {
            x.add("p" + (p == Math.rint(p) ? String.valueOf((long) p) : String.valueOf(p)));
        }
        List<Color> colors = new ArrayList<>();
        for (Summary s : summaries) {
            List<Double> y = new ArrayList<>();
            for (double p : Summary.PERCENTILES) {
                y.add(Math.max(1.0, s.merged.getValueAtPercentile(p) / 1e3));
            }
            chart.addSeries(s.transport.id, x, y);
            colors.add(COLORS.get(s.transport));
        }
        chart.getStyler().setSeriesColors(colors.toArray(Color[]::new));
        return chart;
    }

    private static void style(org.knowm.xchart.style.CategoryStyler s) {
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setLegendLayout(Styler.LegendLayout.Horizontal);
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBorderVisible(false);
        s.setAvailableSpaceFill(0.8);
    }

    /** Writes {@code name}.svg and {@code name}.png into {@code dir}; returns the SVG's text. */
    static String save(Chart<?, ?> chart, Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        Path svg = dir.resolve(name + ".svg");
        VectorGraphicsEncoder.saveVectorGraphic(chart, svg.toString(), VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        BitmapEncoder.saveBitmap(chart, dir.resolve(name + ".png").toString(), BitmapEncoder.BitmapFormat.PNG);
        String text = Files.readString(svg);
        int start = text.indexOf("<svg");
        return start >= 0 ? text.substring(start) : text;
    }
}
