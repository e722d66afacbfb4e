package io.cloudtui.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImagesTest {
    @Test
    void buildOutputIsSplitIntoLinesCarryingPartials() {
        List<String> out = new ArrayList<>();
        StringBuilder partial = new StringBuilder();
        Images.lines(partial, "Step 1/2 : FROM x\n ---> ab", out::add);
        Images.lines(partial, "c\nStep 2/2\r\n", out::add);
        assertEquals(List.of("Step 1/2 : FROM x", " ---> abc", "Step 2/2"), out);
        assertEquals(0, partial.length());
    }
}
