package io.cloudtui.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudtui.core.Capability;
import io.cloudtui.core.ImageInfo;
import io.cloudtui.core.ImageSupport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cloudtui images}: images of every backend that has them. */
@Command(name = "images", mixinStandardHelpOptions = true, description = "List images",
        footerHeading = Examples.HEADING,
        footer = {"  cloudtui images", "  cloudtui images --backend docker --format json", "  cloudtui images -q"})
final class ImagesCommand extends Base {
    enum Format { table, json }

    @Option(names = {"-a", "--all"}, description = "Show intermediate images too")
    boolean all;

    @Option(names = "--format", defaultValue = "table", paramLabel = "FORMAT", description = "table or json (default: ${DEFAULT-VALUE})")
    Format format;

    @Option(names = {"-q", "--quiet"}, description = "Only display short image ids")
    boolean quiet;

    @Option(names = "--backend", paramLabel = "NAME", description = "Only this backend")
    String backend;

    /** One row per tag, as docker images shows them. */
    record Row(ImageInfo image, String repository, String tag) {}

    static List<Row> rows(List<ImageInfo> images) {
        List<Row> rows = new ArrayList<>();
        for (ImageInfo i : images) {
            if (i.tags().isEmpty()) rows.add(new Row(i, "<none>", "<none>"));
            for (String ref : i.tags()) {
                int colon = ref.lastIndexOf(':');
                if (colon > ref.lastIndexOf('/')) rows.add(new Row(i, ref.substring(0, colon), ref.substring(colon + 1)));
                else rows.add(new Row(i, ref, "<none>"));
            }
        }
        rows.sort(Comparator.comparing((Row r) -> r.image().created(), Comparator.nullsLast(Comparator.reverseOrder()))
                .thenComparing(Row::repository).thenComparing(Row::tag));
        return rows;
    }

    @Override
    public Integer call() {
        List<ImageInfo> images = across(backend, Capability.IMAGES, ImageSupport.class, s -> s.images(all));
        List<Row> rows = rows(images);
        if (quiet) {
            rows.stream().map(r -> Fmt.shortId(r.image().id())).distinct().forEach(out()::println);
        } else if (format == Format.json) {
            ArrayNode arr = Json.MAPPER.createArrayNode();
            for (Row r : rows) {
                ObjectNode o = arr.addObject();
                o.put("backend", r.image().backend());
                o.put("id", r.image().id());
                o.put("repository", r.repository());
                o.put("tag", r.tag());
                o.put("size", r.image().size());
                o.put("created", Json.time(r.image().created()));
            }
            out().println(Json.pretty(arr));
        } else {
            Instant now = Instant.now();
            Table t = new Table("REPOSITORY", "TAG", "IMAGE ID", "BACKEND", "CREATED", "SIZE");
            for (Row r : rows) {
                t.row(r.repository(), r.tag(), Fmt.shortId(r.image().id()), r.image().backend(),
                        Fmt.ago(r.image().created(), now), Fmt.size(r.image().size()));
            }
            t.print(out());
        }
        return 0;
    }
}
