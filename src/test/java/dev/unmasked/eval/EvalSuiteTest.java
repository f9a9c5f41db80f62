package dev.unmasked.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import dev.unmasked.UserError;
import dev.unmasked.concepts.InputImage;
import dev.unmasked.toyworld.Background;
import dev.unmasked.toyworld.HeldOut;
import dev.unmasked.toyworld.Renderer;
import dev.unmasked.toyworld.Rendering;
import dev.unmasked.toyworld.Scene;
import dev.unmasked.toyworld.SceneFiles;
import dev.unmasked.toyworld.SceneObject;
import dev.unmasked.toyworld.SceneOptions;
import dev.unmasked.toyworld.SceneSampler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The default suite: fixed seeds, every kind the issue asks for, scene folders learn can read. */
class EvalSuiteTest {
  @TempDir static Path tmp;
  static List<EvalCase> cases;

  @BeforeAll
  static void writeSuite() throws Exception {
    cases = EvalSuite.write(SuiteCases.defaults(), tmp.resolve("scenes"));
  }

  static EvalCase named(String n) {
    return cases.stream().filter(c -> c.name().equals(n)).findFirst().orElseThrow();
  }

  @Test
  void atLeastThirtyCasesCoverEveryKindWithDistinctSeeds() {
    assertTrue(cases.size() >= 30, cases.size() + " cases");
    assertEquals(Set.copyOf(SuiteCases.KINDS), cases.stream().map(EvalCase::kind).collect(Collectors.toSet()));
    Set<Long> seeds = new HashSet<>();
    SuiteCases.defaults().forEach(d -> d.images().forEach(i -> assertTrue(seeds.add(i.seed()), "seed " + i.seed())));
    assertEquals(cases.size(), cases.stream().map(EvalCase::name).distinct().count());
    int objects = 0;
    for (EvalCase c : cases) {
      objects = Math.max(objects, c.images().get(0).scene().objects().size());
    }
    assertEquals(3, objects);
  }

  @Test
  void scenesAreTheSameEveryTime() throws Exception {
    List<EvalCase> again = EvalSuite.write(SuiteCases.named(List.of("two-01", "spread-03")), tmp.resolve("again"));
    for (EvalCase c : again) {
      EvalCase.CaseImage a = c.images().get(0);
      EvalCase.CaseImage b = named(c.name()).images().get(0);
      assertArrayEquals(Files.readAllBytes(b.image()), Files.readAllBytes(a.image()), c.name());
      assertEquals(b.scene(), a.scene());
    }
  }

  @Test
  void everyObjectIsVisibleAndLearnReadsTheTruth() throws Exception {
    for (EvalCase c : cases) {
      for (EvalCase.CaseImage im : c.images()) {
        Rendering r = Renderer.render(im.scene(), 1);
        for (int j = 0; j < im.scene().objects().size(); j++) {
          int least = c.kind().equals("small") ? 30 : 100;
          assertTrue(r.area(j + 1) >= least, c.name() + " object " + j + " has " + r.area(j + 1) + " px");
          assertTrue(Files.isRegularFile(im.mask(j)));
        }
        assertEquals(im.stem() + ".png", im.image().getFileName().toString());
        InputImage loaded = InputImage.load(im.image(), 64, null);
        assertEquals(im.scene().objects().size() + 1, loaded.truth().size(), c.name());
        List<SceneObject> os = im.scene().objects();
        for (int a = 0; a < os.size(); a++) {
          for (int b = a + 1; b < os.size(); b++) {
            assertFalse(os.get(a).shape() == os.get(b).shape() && os.get(a).color() == os.get(b).color(),
                c.name() + ": two objects of the same shape and color");
          }
        }
      }
    }
  }

  @Test
  void theKindsAreWhatTheirNamesSay() {
    for (EvalCase c : cases) {
      Scene s = c.images().get(0).scene();
      switch (c.kind()) {
        case "held-out" -> assertTrue(HeldOut.isHeldOut(s.objects().get(0).triple()), c.name());
        case "same-shape" -> {
          assertEquals(s.objects().get(0).shape(), s.objects().get(1).shape());
          assertEquals(c.concepts().get(0).init(), c.concepts().get(1).init(), "the same word");
          assertEquals(s.objects().get(0).shape().word(), c.concepts().get(0).init());
        }
        case "small" -> s.objects().forEach(o -> assertTrue(o.size() <= 16, c.name() + " " + o.size()));
        case "low-contrast" -> assertTrue(Set.of("white/snow", "brown/wood", "black/night")
            .contains(s.objects().get(0).color().word() + "/" + s.background().word()), c.name());
        case "occlusion" -> {
          double hidden = 1 - Renderer.render(s, 1).area(1) / (double) fullArea(s.objects().get(0));
          assertTrue(hidden > 0.2 && hidden < 0.5, c.name() + ": " + hidden + " of the first object hidden");
        }
        case "background" -> assertTrue(c.concepts().get(c.concepts().size() - 1).background());
        case "spread" -> assertEquals(2, c.images().size());
        default -> assertEquals(1, c.images().size());
      }
      if (!c.kind().equals("same-shape")) {
        for (EvalCase.CaseConcept k : c.objectConcepts()) {
          SceneObject o = c.object(k);
          assertEquals(o.color().word() + " " + o.shape().word(), k.init(), "descriptor words");
        }
      }
    }
    EvalCase fig2 = named("spread-01");
    assertEquals(List.of(0, 1, 1), fig2.concepts().stream().map(k -> k.occurrences().get(0).image()).toList());
    assertTrue(fig2.concepts().get(2).background());
    assertNotEquals(fig2.images().get(0).scene().background(), fig2.backgroundOf(fig2.concepts().get(2)));
    EvalCase both = named("spread-03");
    assertEquals(2, both.concepts().get(0).occurrences().size());
    assertEquals(both.object(both.concepts().get(0)).triple(),
        both.images().get(1).scene().objects().get(1).triple());
  }

  private static int fullArea(SceneObject o) {
    Scene alone = new Scene(0, Background.SAND, 0, List.of(o), "");
    return Renderer.render(alone, 1).area(1);
  }

  @Test
  void subsetsByCountNameAndKind() {
    List<SuiteCases.CaseDef> ten = SuiteCases.subset(10);
    assertEquals(10, ten.size());
    assertEquals(Set.copyOf(SuiteCases.KINDS), ten.stream().map(SuiteCases.CaseDef::kind).collect(Collectors.toSet()));
    assertEquals(3, SuiteCases.named(List.of("occlusion")).size());
    assertEquals(List.of("two-02", "small-01", "small-02", "small-03"),
        SuiteCases.named(List.of("two-02", "small")).stream().map(SuiteCases.CaseDef::name).toList());
    UserError e = assertThrows(UserError.class, () -> SuiteCases.named(List.of("nope")));
    assertTrue(e.getMessage().contains("nope"), e.getMessage());
  }

  @Test
  void learnArgumentsNameImagesConceptsAndTheUsersMasks() {
    EvalCase c = named("spread-01");
    LearnArgs.Common common = new LearnArgs.Common(tmp.resolve("model"), 3, 50, null, List.of());
    Path run = tmp.resolve("runs/spread-01/user");
    List<String> a = LearnArgs.of(c, "user", common, run, false);
    String line = String.join(" ", a);
    assertTrue(line.startsWith(c.images().get(0).image() + " " + c.images().get(1).image() + " --model "), line);
    assertTrue(line.contains("--mode user --seed 3 --steps 50"), line);
    assertTrue(a.contains("<v1>=" + c.concepts().get(0).init()), line);
    assertTrue(a.contains("<v1>=spread-01-a.png"), "--in");
    assertTrue(a.contains("<v3>=spread-01-b.png"), "--in");
    int bg = a.indexOf("--background");
    assertEquals("<v3>", a.get(bg + 1));
    assertTrue(a.contains("<v3>=spread-01-b.png:" + c.images().get(1).mask(-1)), line);
    assertTrue(a.contains("<v2>=spread-01-b.png:" + c.images().get(1).mask(0)), line);
    assertEquals(List.of("--out", run.toAbsolutePath().normalize().toString()), a.subList(a.size() - 2, a.size()));
    List<String> em = LearnArgs.of(c, "em", common, run, true);
    assertFalse(em.contains("--mask"));
    assertEquals("--resume", em.get(em.size() - 2));
    List<String> single = LearnArgs.of(named("two-01"), "em", common, run, false);
    assertFalse(single.contains("--in"), "one image: every concept is in it");
  }

  @Test
  void promptsUseNewBackgroundsAndTheSameSeedsInEveryMode() {
    EvalCase c = named("background-02");
    List<GenerationPlan.Prompt> p = GenerationPlan.of(c, 2, 100);
    Background own = c.images().get(0).scene().background();
    List<GenerationPlan.Prompt> singles = p.stream().filter(x -> x.kind() == GenerationPlan.Kind.SINGLE).toList();
    assertEquals(4, singles.size());
    singles.forEach(x -> assertNotEquals(own, x.background(), x.text()));
    assertEquals("a <v1> " + singles.get(0).background().phrase(), singles.get(0).text());
    assertEquals(1, p.stream().filter(x -> x.kind() == GenerationPlan.Kind.PAIR).count());
    List<GenerationPlan.Prompt> learned = p.stream()
        .filter(x -> x.kind() == GenerationPlan.Kind.LEARNED_BACKGROUND).toList();
    assertEquals(List.of("a <v1> on the <v3>", "a <v2> on the <v3>"),
        learned.stream().map(GenerationPlan.Prompt::text).toList());
    assertEquals(p.stream().map(GenerationPlan.Prompt::seed).toList(),
        GenerationPlan.of(c, 2, 100).stream().map(GenerationPlan.Prompt::seed).toList());
    assertEquals(p.size(), p.stream().map(GenerationPlan.Prompt::seed).distinct().count());
    EvalCase three = named("three-01");
    List<GenerationPlan.Prompt> t = GenerationPlan.of(three, 1, 0);
    assertEquals(3, t.stream().filter(x -> x.kind() == GenerationPlan.Kind.PAIR).count());
    assertEquals("a <v1> and a <v2> and a <v3> " + t.get(t.size() - 1).background().phrase(),
        t.get(t.size() - 1).text());
  }

  @Test
  void theMaskedReferenceKeepsOnlyTheObject() {
    EvalCase c = named("occlusion-01");
    Scene s = c.images().get(0).scene();
    Rendering r = Renderer.render(s, 1);
    int[] ref = MaskedReference.rgb(s, 0, Background.SNOW);
    int inside = 0;
    for (int i = 0; i < ref.length; i++) {
      if (r.labels()[i] == 1) {
        assertEquals(r.rgb()[i], ref[i]);
        inside++;
      } else {
        int x = i % 64;
        int y = i / 64;
        assertEquals(Background.SNOW.texture(MaskedReference.BACKGROUND_SEED + Background.SNOW.ordinal())
            .rgb(x + 0.5, y + 0.5), ref[i]);
      }
    }
    assertEquals(r.area(1), inside);
  }

  @Test
  void truthFromMasksFollowsTheMatchLearnMade() {
    EvalCase c = named("same-shape-01");
    String stem = c.images().get(0).stem();
    List<MaskCurves.EStep> e = MaskCurves.parse(List.of(MaskCurvesTest.HEADER,
        "1,0," + stem + ",<v1>,100,,0.4,object 2 (x)", "1,0," + stem + ",<v2>,100,,0.4,object 1 (y)"));
    Map<String, SceneObject> t = ConceptEval.truthFromMasks(c, e);
    assertEquals(c.images().get(0).scene().objects().get(1), t.get("<v1>"));
    assertEquals(c.images().get(0).scene().objects().get(0), t.get("<v2>"));
    assertTrue(ConceptEval.truthFromMasks(c, List.of()).isEmpty());
  }

  @Test
  void sceneFoldersOfWorldRenderAreCases() throws Exception {
    Path dir = tmp.resolve("rendered");
    for (long seed = 5; seed < 7; seed++) {
      Scene s = SceneSampler.sample(seed, SceneOptions.training().withObjects(2, 2));
      SceneFiles.write(s, dir.resolve("scene-" + seed), 0);
    }
    List<EvalCase> cs = EvalSuite.fromSceneDir(dir, true);
    assertEquals(List.of("scene-5", "scene-6"), cs.stream().map(EvalCase::name).toList());
    EvalCase c = cs.get(0);
    assertEquals("image", c.images().get(0).stem());
    assertEquals(3, c.concepts().size());
    assertTrue(c.concepts().get(2).background());
    assertEquals(JsonParser.parseString(Files.readString(dir.resolve("scene-5/scene.json")))
        .getAsJsonObject().get("background").getAsString(), c.concepts().get(2).init());
    assertEquals(1, EvalSuite.fromSceneDir(dir.resolve("scene-6"), false).size());
    UserError e = assertThrows(UserError.class, () -> EvalSuite.fromSceneDir(tmp.resolve("scenes-none"), false));
    assertTrue(e.getMessage().contains("--scene-dir"), e.getMessage());
  }
}
