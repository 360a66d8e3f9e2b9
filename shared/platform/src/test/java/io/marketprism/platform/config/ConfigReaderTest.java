package io.marketprism.platform.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigReaderTest {

  private final ConfigReader r = ConfigReader.root(new JsonObject().put("svc", new JsonObject()
      .put("port", "70000").put("mode", "Fast").put("n", "abc").put("flag", "yes")
      .put("list", "a, b ,c").put("sub", 5)), "svc");

  @Test
  void badValuesNameTheKeyAndWhatIsAllowed() {
    assertThatThrownBy(() -> r.port("port", 0)).hasMessage("config svc.port: must be from 0 to 65535, got 70000");
    assertThatThrownBy(() -> r.oneOf("mode", Set.of("slow", "safe"), "safe"))
        .hasMessage("config svc.mode: must be one of safe, slow, got 'Fast'");
    assertThatThrownBy(() -> r.intIn("n", 1, 10, 1)).hasMessageContaining("svc.n: must be an integer from 1 to 10");
    assertThatThrownBy(() -> r.bool("flag", false)).hasMessageContaining("svc.flag: must be true or false");
    assertThatThrownBy(() -> r.section("sub")).hasMessageContaining("svc.sub: must be a section");
  }

  @Test
  void defaultsApplyWhenAbsentAndListsAcceptCommaStrings() {
    assertThat(r.intIn("absent", 1, 10, 4)).isEqualTo(4);
    assertThat(r.strings("list", List.of())).containsExactly("a", "b", "c");
    assertThat(r.section("absent").string("x", "d")).isEqualTo("d");
  }
}
