package io.cloudtui.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.time.Instant;

/** JSON output: pretty, four-space indent like docker inspect. */
final class Json {
    static final ObjectMapper MAPPER = JsonMapper.builder().build();

    private Json() {}

    static String pretty(Object tree) {
        DefaultPrettyPrinter pp = new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER));
        pp.indentArraysWith(new DefaultIndenter("    ", "\n"));
        pp.indentObjectsWith(new DefaultIndenter("    ", "\n"));
        try {
            return MAPPER.writer(pp).writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String time(Instant t) {
        return t == null ? null : t.toString();
    }
}
