package io.cloudtui.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.cloudtui.core.Capability;
import io.cloudtui.core.Workloads;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code cloudtui inspect}: the engines' own descriptions, as one JSON array (like docker inspect). */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Show the engine's description of workloads as a JSON array.",
            "Targets that cannot be found are reported on stderr (exit 1); the others are still printed."},
        footerHeading = Examples.HEADING,
        footer = {"  cloudtui inspect web", "  cloudtui inspect web db | jq '.[].State'"})
final class InspectCommand extends Base {
    @Parameters(arity = "1..*", paramLabel = "TARGET", description = Examples.TARGETS)
    List<String> targets;

    @Override
    public Integer call() {
        Workloads ws = ctx().workloads();
        ArrayNode arr = Json.MAPPER.createArrayNode();
        int failed = 0;
        for (String t : targets) {
            try {
                Workloads.Target target = ws.resolve(t);
                require(target.backend(), Capability.INSPECT);
                String text = target.backend().inspect(target.ref());
                arr.add(parse(text));
            } catch (RuntimeException e) {
                error(messageOf(e));
                failed++;
            }
        }
        out().println(Json.pretty(arr));
        return failed == 0 ? 0 : 1;
    }

    private static JsonNode parse(String text) {
        try {
            JsonNode n = Json.MAPPER.readTree(text);
            // Some engines describe one object as a one-element array, as docker inspect prints it.
            return n.isArray() && n.size() == 1 ? n.get(0) : n;
        } catch (JsonProcessingException e) {
            return Json.MAPPER.getNodeFactory().textNode(text);
        }
    }
}
