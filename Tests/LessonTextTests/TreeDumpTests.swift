import LessonText
import Testing

/// One construct or one documented warning: the source and the expected tree dump (with the warnings
/// the reader prints, after the tree).
struct DumpCase: CustomTestStringConvertible, Sendable {
  let name: String
  let source: String
  let expected: String
  var testDescription: String { name }
}

/// Reads `source` as `test.rst` and dumps the tree followed by the diagnostics.
func dump(_ source: String) -> String {
  let document = LessonDocument(parsing: source, file: "test.rst")
  return ([document.root.debugDescription] + document.diagnostics.map(\.description)).joined(separator: "\n")
}

@Suite("Tree dumps")
struct TreeDumpTests {
  static let cases: [DumpCase] = [
    DumpCase(
      name: "sectionUnderlined",
      source: #"""
        Title
        =====

        Body text.

        Sub
        ---

        More.

        Second
        ======
        """#,
      expected: #"""
        document @1:1
        ├─ section @1:1 level=1
        │  ├─ Text "Title"
        │  ├─ paragraph @4:1
        │  │  └─ Text "Body text."
        │  └─ section @6:1 level=2
        │     ├─ Text "Sub"
        │     └─ paragraph @9:1
        │        └─ Text "More."
        └─ section @11:1 level=1
           └─ Text "Second"
        """#),
    DumpCase(
      name: "sectionOverlinedLevelsByFirstAppearance",
      source: #"""
        #########
         Part
        #########

        Chapter
        *******

        Section
        =======

        Another chapter
        ***************
        """#,
      expected: #"""
        document @1:1
        └─ section @2:2 level=1
           ├─ Text "Part"
           ├─ section @5:1 level=2
           │  ├─ Text "Chapter"
           │  └─ section @8:1 level=3
           │     └─ Text "Section"
           └─ section @11:1 level=2
              └─ Text "Another chapter"
        """#),
    DumpCase(
      name: "paragraphs",
      source: #"""
        First paragraph
        on two lines.

        Second paragraph.
        """#,
      expected: #"""
        document @1:1
        ├─ paragraph @1:1
        │  └─ Text "First paragraph\non two lines."
        └─ paragraph @4:1
           └─ Text "Second paragraph."
        """#),
    DumpCase(
      name: "bulletListsNested",
      source: #"""
        - one
        - two

          * nested a
          * nested b

        + plus list
        """#,
      expected: #"""
        document @1:1
        ├─ bullet_list @1:1 bullet="-"
        │  ├─ list_item @1:1
        │  │  └─ paragraph @1:3
        │  │     └─ Text "one"
        │  └─ list_item @2:1
        │     ├─ paragraph @2:3
        │     │  └─ Text "two"
        │     └─ bullet_list @4:3 bullet="*"
        │        ├─ list_item @4:3
        │        │  └─ paragraph @4:5
        │        │     └─ Text "nested a"
        │        └─ list_item @5:3
        │           └─ paragraph @5:5
        │              └─ Text "nested b"
        └─ bullet_list @7:1 bullet="+"
           └─ list_item @7:1
              └─ paragraph @7:3
                 └─ Text "plus list"
        """#),
    DumpCase(
      name: "enumeratedLists",
      source: #"""
        1. arabic
        2. second

        #. auto
        #. auto two

        a) alpha
        b) beta

        (i) roman
        (ii) two

        A. Einstein was a physicist.
        """#,
      expected: #"""
        document @1:1
        ├─ enumerated_list @1:1 enumeration="arabic" format="period" start=1
        │  ├─ list_item @1:1
        │  │  └─ paragraph @1:4
        │  │     └─ Text "arabic"
        │  └─ list_item @2:1
        │     └─ paragraph @2:4
        │        └─ Text "second"
        ├─ enumerated_list @4:1 enumeration="arabic" format="period" start=1
        │  ├─ list_item @4:1
        │  │  └─ paragraph @4:4
        │  │     └─ Text "auto"
        │  └─ list_item @5:1
        │     └─ paragraph @5:4
        │        └─ Text "auto two"
        ├─ enumerated_list @7:1 enumeration="loweralpha" format="parenthesis" start=1
        │  ├─ list_item @7:1
        │  │  └─ paragraph @7:4
        │  │     └─ Text "alpha"
        │  └─ list_item @8:1
        │     └─ paragraph @8:4
        │        └─ Text "beta"
        ├─ enumerated_list @10:1 enumeration="lowerroman" format="parentheses" start=1
        │  ├─ list_item @10:1
        │  │  └─ paragraph @10:5
        │  │     └─ Text "roman"
        │  └─ list_item @11:1
        │     └─ paragraph @11:6
        │        └─ Text "two"
        └─ enumerated_list @13:1 enumeration="upperalpha" format="period" start=1
           └─ list_item @13:1
              └─ paragraph @13:4
                 └─ Text "Einstein was a physicist."
        """#),
    DumpCase(
      name: "definitionList",
      source: #"""
        term
            Definition of the term.

        other term : classifier
            Another definition.
        """#,
      expected: #"""
        document @1:1
        └─ definition_list @1:1
           ├─ definition_list_item @1:1 term="term"
           │  ├─ Text "term"
           │  └─ paragraph @2:5
           │     └─ Text "Definition of the term."
           └─ definition_list_item @4:1 term="other term" classifiers=["classifier"]
              ├─ Text "other term"
              └─ paragraph @5:5
                 └─ Text "Another definition."
        """#),
    DumpCase(
      name: "fieldList",
      source: #"""
        :Author: Someone
        :Version: 1.0
          continued
        """#,
      expected: #"""
        document @1:1
        └─ field_list @1:1
           ├─ field @1:1 name="Author"
           │  ├─ Text "Author"
           │  └─ paragraph @1:10
           │     └─ Text "Someone"
           └─ field @2:1 name="Version"
              ├─ Text "Version"
              └─ paragraph @2:11
                 └─ Text "1.0\ncontinued"
        """#),
    DumpCase(
      name: "blockQuote",
      source: #"""
        Paragraph.

            Quoted text.

                Nested quote.
        """#,
      expected: #"""
        document @1:1
        ├─ paragraph @1:1
        │  └─ Text "Paragraph."
        └─ block_quote @3:5
           ├─ paragraph @3:5
           │  └─ Text "Quoted text."
           └─ block_quote @5:9
              └─ paragraph @5:9
                 └─ Text "Nested quote."
        """#),
    DumpCase(
      name: "literalBlockForms",
      source: #"""
        Expanded form::

            code one

        Partly minimised ::

            code two

        ::

            code three

        Quoted::

        > quoted line
        > another
        """#,
      expected: #"""
        document @1:1
        ├─ paragraph @1:1
        │  └─ Text "Expanded form:"
        ├─ literal_block @3:5 text="code one" language=null
        ├─ paragraph @5:1
        │  └─ Text "Partly minimised"
        ├─ literal_block @7:5 text="code two" language=null
        ├─ literal_block @11:5 text="code three" language=null
        ├─ paragraph @13:1
        │  └─ Text "Quoted:"
        └─ literal_block @15:1 text="> quoted line\n> another" language=null
        """#),
    DumpCase(
      name: "transition",
      source: #"""
        Before.

        ----------

        After.
        """#,
      expected: #"""
        document @1:1
        ├─ paragraph @1:1
        │  └─ Text "Before."
        ├─ transition @3:1
        └─ paragraph @5:1
           └─ Text "After."
        """#),
    DumpCase(
      name: "comments",
      source: #"""
        .. a comment
           spanning lines

        ..

            Quote after an empty comment.
        """#,
      expected: #"""
        document @1:1
        ├─ comment @1:1 text="a comment\nspanning lines"
        ├─ comment @4:1 text=""
        └─ block_quote @6:5
           └─ paragraph @6:5
              └─ Text "Quote after an empty comment."
        """#),
    DumpCase(
      name: "simpleTable",
      source: #"""
        =====  =====
        A      B
        =====  =====
        1      one
        2      two
               more
        =====  =====
        """#,
      expected: #"""
        document @1:1
        └─ table @1:1
           ├─ row @2:1 header=true
           │  ├─ cell @2:1
           │  │  └─ paragraph @2:1
           │  │     └─ Text "A"
           │  └─ cell @2:8
           │     └─ paragraph @2:8
           │        └─ Text "B"
           ├─ row @4:1 header=false
           │  ├─ cell @4:1
           │  │  └─ paragraph @4:1
           │  │     └─ Text "1"
           │  └─ cell @4:8
           │     └─ paragraph @4:8
           │        └─ Text "one"
           └─ row @5:1 header=false
              ├─ cell @5:1
              │  └─ paragraph @5:1
              │     └─ Text "2"
              └─ cell @5:8
                 └─ paragraph @5:8
                    └─ Text "two\nmore"
        """#),
    DumpCase(
      name: "gridTable",
      source: #"""
        +-------+-------+
        | Head  | Two   |
        +=======+=======+
        | a     | b     |
        +-------+-------+
        | spans both    |
        +---------------+
        """#,
      expected: #"""
        document @1:1
        └─ table @1:1
           ├─ row @2:1 header=true
           │  ├─ cell @2:2
           │  │  └─ paragraph @2:3
           │  │     └─ Text "Head"
           │  └─ cell @2:10
           │     └─ paragraph @2:11
           │        └─ Text "Two"
           ├─ row @4:1 header=false
           │  ├─ cell @4:2
           │  │  └─ paragraph @4:3
           │  │     └─ Text "a"
           │  └─ cell @4:10
           │     └─ paragraph @4:11
           │        └─ Text "b"
           └─ row @6:1 header=false
              └─ cell @6:2 span=2
                 └─ paragraph @6:3
                    └─ Text "spans both"
        """#),
    DumpCase(
      name: "gridTableTrailingSpaces",
      // Blanks after a grid line are not part of the grid, as docutils reads it.
      source: ["+-------+-------+   ", "| a     | b     |  ", "+-------+-------+ "].joined(separator: "\n"),
      expected: #"""
        document @1:1
        └─ table @1:1
           └─ row @2:1 header=false
              ├─ cell @2:2
              │  └─ paragraph @2:3
              │     └─ Text "a"
              └─ cell @2:10
                 └─ paragraph @2:11
                    └─ Text "b"
        """#),
    DumpCase(
      name: "gridTableRowSpan",
      source: #"""
        +------------+------------+-----------+
        | Header 1   | Header 2   | Header 3  |
        +============+============+===========+
        | body row 1 | column 2   | column 3  |
        +------------+------------+-----------+
        | body row 2 | Cells may span columns.|
        +------------+------------+-----------+
        | body row 3 | Cells may  | - Cells   |
        +------------+ span rows. | - contain |
        | body row 4 |            | - blocks. |
        +------------+------------+-----------+
        """#,
      expected: #"""
        document @1:1
        └─ table @1:1
           ├─ row @2:1 header=true
           │  ├─ cell @2:2
           │  │  └─ paragraph @2:3
           │  │     └─ Text "Header 1"
           │  ├─ cell @2:15
           │  │  └─ paragraph @2:16
           │  │     └─ Text "Header 2"
           │  └─ cell @2:28
           │     └─ paragraph @2:29
           │        └─ Text "Header 3"
           ├─ row @4:1 header=false
           │  ├─ cell @4:2
           │  │  └─ paragraph @4:3
           │  │     └─ Text "body row 1"
           │  ├─ cell @4:15
           │  │  └─ paragraph @4:16
           │  │     └─ Text "column 2"
           │  └─ cell @4:28
           │     └─ paragraph @4:29
           │        └─ Text "column 3"
           ├─ row @6:1 header=false
           │  ├─ cell @6:2
           │  │  └─ paragraph @6:3
           │  │     └─ Text "body row 2"
           │  └─ cell @6:15 span=2
           │     └─ paragraph @6:16
           │        └─ Text "Cells may span columns."
           ├─ row @8:1 header=false
           │  ├─ cell @8:2
           │  │  └─ paragraph @8:3
           │  │     └─ Text "body row 3"
           │  ├─ cell @8:15 rowspan=2
           │  │  └─ paragraph @8:16
           │  │     └─ Text "Cells may\nspan rows."
           │  └─ cell @8:28 rowspan=2
           │     └─ bullet_list @8:29 bullet="-"
           │        ├─ list_item @8:29
           │        │  └─ paragraph @8:31
           │        │     └─ Text "Cells"
           │        ├─ list_item @9:29
           │        │  └─ paragraph @9:31
           │        │     └─ Text "contain"
           │        └─ list_item @10:29
           │           └─ paragraph @10:31
           │              └─ Text "blocks."
           └─ row @10:1 header=false
              └─ cell @10:2
                 └─ paragraph @10:3
                    └─ Text "body row 4"
        """#),
    DumpCase(
      name: "gridTableDocutilsSpans",
      source: #"""
        +------------------------+------------+----------+----------+
        | Header row, column 1   | Header 2   | Header 3 | Header 4 |
        | (header rows optional) |            |          |          |
        +========================+============+==========+==========+
        | body row 1, column 1   | column 2   | column 3 | column 4 |
        +------------------------+------------+----------+----------+
        | body row 2             | Cells may span columns.          |
        +------------------------+------------+---------------------+
        | body row 3             | Cells may  | - Table cells       |
        +------------------------+ span rows. | - contain           |
        | body row 4             |            | - body elements.    |
        +------------------------+------------+---------------------+
        """#,
      expected: #"""
        document @1:1
        └─ table @1:1
           ├─ row @2:1 header=true
           │  ├─ cell @2:2
           │  │  └─ paragraph @2:3
           │  │     └─ Text "Header row, column 1\n(header rows optional)"
           │  ├─ cell @2:27
           │  │  └─ paragraph @2:28
           │  │     └─ Text "Header 2"
           │  ├─ cell @2:40
           │  │  └─ paragraph @2:41
           │  │     └─ Text "Header 3"
           │  └─ cell @2:51
           │     └─ paragraph @2:52
           │        └─ Text "Header 4"
           ├─ row @5:1 header=false
           │  ├─ cell @5:2
           │  │  └─ paragraph @5:3
           │  │     └─ Text "body row 1, column 1"
           │  ├─ cell @5:27
           │  │  └─ paragraph @5:28
           │  │     └─ Text "column 2"
           │  ├─ cell @5:40
           │  │  └─ paragraph @5:41
           │  │     └─ Text "column 3"
           │  └─ cell @5:51
           │     └─ paragraph @5:52
           │        └─ Text "column 4"
           ├─ row @7:1 header=false
           │  ├─ cell @7:2
           │  │  └─ paragraph @7:3
           │  │     └─ Text "body row 2"
           │  └─ cell @7:27 span=3
           │     └─ paragraph @7:28
           │        └─ Text "Cells may span columns."
           ├─ row @9:1 header=false
           │  ├─ cell @9:2
           │  │  └─ paragraph @9:3
           │  │     └─ Text "body row 3"
           │  ├─ cell @9:27 rowspan=2
           │  │  └─ paragraph @9:28
           │  │     └─ Text "Cells may\nspan rows."
           │  └─ cell @9:40 span=2 rowspan=2
           │     └─ bullet_list @9:41 bullet="-"
           │        ├─ list_item @9:41
           │        │  └─ paragraph @9:43
           │        │     └─ Text "Table cells"
           │        ├─ list_item @10:41
           │        │  └─ paragraph @10:43
           │        │     └─ Text "contain"
           │        └─ list_item @11:41
           │           └─ paragraph @11:43
           │              └─ Text "body elements."
           └─ row @11:1 header=false
              └─ cell @11:2
                 └─ paragraph @11:3
                    └─ Text "body row 4"
        """#),
    DumpCase(
      name: "gridTableRowAndColumnSpan",
      source: #"""
        +-------+-------+-------+
        | a     | Spans both    |
        +-------+ rows and both |
        | b     | columns.      |
        +-------+-------+-------+
        | c     | d     | e     |
        +-------+-------+-------+
        """#,
      expected: #"""
        document @1:1
        └─ table @1:1
           ├─ row @2:1 header=false
           │  ├─ cell @2:2
           │  │  └─ paragraph @2:3
           │  │     └─ Text "a"
           │  └─ cell @2:10 span=2 rowspan=2
           │     └─ paragraph @2:11
           │        └─ Text "Spans both\nrows and both\ncolumns."
           ├─ row @4:1 header=false
           │  └─ cell @4:2
           │     └─ paragraph @4:3
           │        └─ Text "b"
           └─ row @6:1 header=false
              ├─ cell @6:2
              │  └─ paragraph @6:3
              │     └─ Text "c"
              ├─ cell @6:10
              │  └─ paragraph @6:11
              │     └─ Text "d"
              └─ cell @6:18
                 └─ paragraph @6:19
                    └─ Text "e"
        """#),
    DumpCase(
      name: "codeDirectives",
      source: #"""
        .. code:: swift

            let x = 1

        .. code-block:: shell
           :linenos:

           echo hi

        .. sourcecode:: python

           print(1)
        """#,
      expected: #"""
        document @1:1
        ├─ literal_block @1:1 text="let x = 1" language="swift"
        ├─ literal_block @5:1 text="echo hi" language="shell"
        └─ literal_block @10:1 text="print(1)" language="python"
        """#),
    DumpCase(
      name: "admonitions",
      source: #"""
        .. note:: Short note.

        .. warning::

           Body of the warning.

        .. admonition:: Custom title

           Body.
        """#,
      expected: #"""
        document @1:1
        ├─ admonition @1:1 name="note" title="Note"
        │  └─ paragraph @1:11
        │     └─ Text "Short note."
        ├─ admonition @3:1 name="warning" title="Warning"
        │  └─ paragraph @5:4
        │     └─ Text "Body of the warning."
        └─ admonition @7:1 name="admonition" title="Custom title"
           └─ paragraph @9:4
              └─ Text "Body."
        """#),
    DumpCase(
      name: "imageAndFigure",
      source: #"""
        .. image:: pic.png
           :alt: A picture

        .. figure:: fig.png

           The caption.
        """#,
      expected: #"""
        document @1:1
        ├─ image @1:1 uri="pic.png" alt="A picture"
        └─ figure @4:1 uri="fig.png"
           └─ paragraph @6:4
              └─ Text "The caption."
        """#),
    DumpCase(
      name: "rawDetailsAcrossBlocks",
      source: #"""
        .. raw:: html

           <details>
           <summary><i>Hint 1</i></summary>

        Hidden text.

        .. raw:: html

           </details>

        After.
        """#,
      expected: #"""
        document @1:1
        ├─ collapsible @1:1 role="details"
        │  ├─ Emphasis
        │  │  └─ Text "Hint 1"
        │  └─ paragraph @6:1
        │     └─ Text "Hidden text."
        └─ paragraph @12:1
           └─ Text "After."
        """#),
    DumpCase(
      name: "rawHTMLShownAsText",
      source: #"""
        .. raw:: html

            <details>
            <summary>Solution</summary>
            Text &amp; more<br>next line
            <pre>
            let x = 1
            </pre>
            </details>

        .. raw:: latex

           \\newpage
        """#,
      expected: #"""
        document @1:1
        ├─ raw @1:1 format="html" text="<details>\n<summary>Solution</summary>\nText &amp; more<br>next line\n<pre>\nlet x = 1\n</pre>\n</details>"
        │  └─ collapsible @3:1 role="details"
        │     ├─ Text "Solution"
        │     ├─ paragraph @4:1
        │     │  ├─ Text "\nText & more"
        │     │  ├─ LineBreak
        │     │  └─ Text "next line\n"
        │     └─ literal_block @6:1 text="let x = 1" language=null
        └─ raw @11:1 format="latex" text="\\\\newpage"
        """#),
    DumpCase(
      name: "toctree",
      source: #"""
        .. toctree::
           :maxdepth: 1

           intro
           Second lesson <second>
        """#,
      expected: #"""
        document @1:1
        └─ toctree @1:1 entries=[[null, "intro"], ["Second lesson", "second"]]
        """#),
    DumpCase(
      name: "listTable",
      source: #"""
        .. list-table:: Sizes
           :header-rows: 1

           * - Type
             - Size
           * - Int
             - 8
        """#,
      expected: #"""
        document @1:1
        └─ table @1:1 title="Sizes"
           ├─ row @4:4 header=true
           │  ├─ cell @4:6
           │  │  └─ paragraph @4:8
           │  │     └─ Text "Type"
           │  └─ cell @5:6
           │     └─ paragraph @5:8
           │        └─ Text "Size"
           └─ row @6:4 header=false
              ├─ cell @6:6
              │  └─ paragraph @6:8
              │     └─ Text "Int"
              └─ cell @7:6
                 └─ paragraph @7:8
                    └─ Text "8"
        """#),
    DumpCase(
      name: "courseHintsSolutionsExercise",
      source: #"""
        .. exercise:: exercise_1

        .. course-hint::

           Look at the loop.

        .. course-hint:: Where it grows

           The array.

        .. solution::

           Use a lazy sequence.
        """#,
      expected: #"""
        document @1:1
        ├─ exercise @1:1 name="exercise_1"
        ├─ collapsible @3:1 role="hint" number=1
        │  ├─ Text "Hint 1"
        │  └─ paragraph @5:4
        │     └─ Text "Look at the loop."
        ├─ collapsible @7:1 role="hint" number=2
        │  ├─ Text "Hint 2"
        │  ├─ Text ": "
        │  ├─ Text "Where it grows"
        │  └─ paragraph @9:4
        │     └─ Text "The array."
        └─ collapsible @11:1 role="solution"
           ├─ Text "Solution"
           └─ paragraph @13:4
              └─ Text "Use a lazy sequence."
        """#),
    DumpCase(
      name: "unknownDirectiveKept",
      source: #"""
        .. youtube:: abc
           :width: 100

           content line

        .. youtube:: again
        """#,
      expected: #"""
        document @1:1
        ├─ directive @1:1 name="youtube" arguments="abc" options=[["width", "100"]] content="content line"
        └─ directive @6:1 name="youtube" arguments="again" options=[] content=""
        test.rst:1: (ERROR/3) Unknown directive type "youtube".
        """#),
    DumpCase(
      name: "inlineMarkup",
      source: #"""
        *emphasis* **strong** ``literal`` :func:`foo` :doc:`Lesson <lesson2>` `Swift <https://swift.org>`_ `anon <https://a.example>`__ Ref_ `Phrase ref`_ https://example.com/x. \*not emphasis\* `default`

        .. _Ref: https://ref.example
        .. _phrase ref: https://phrase.example
        """#,
      expected: #"""
        document @1:1
        ├─ paragraph @1:1
        │  ├─ Emphasis
        │  │  └─ Text "emphasis"
        │  ├─ Text " "
        │  ├─ Strong
        │  │  └─ Text "strong"
        │  ├─ Text " "
        │  ├─ Literal "literal"
        │  ├─ Text " "
        │  ├─ Role func text="foo" target="foo"
        │  ├─ Text " "
        │  ├─ Role doc text="Lesson" target="lesson2"
        │  ├─ Text " "
        │  ├─ Reference url="https://swift.org"
        │  │  └─ Text "Swift"
        │  ├─ Text " "
        │  ├─ Reference anonymous url="https://a.example"
        │  │  └─ Text "anon"
        │  ├─ Text " "
        │  ├─ Reference name="ref" url="https://ref.example"
        │  │  └─ Text "Ref"
        │  ├─ Text " "
        │  ├─ Reference name="phrase ref" url="https://phrase.example"
        │  │  └─ Text "Phrase ref"
        │  ├─ Text " "
        │  ├─ Reference url="https://example.com/x"
        │  │  └─ Text "https://example.com/x"
        │  ├─ Text ". *not emphasis* "
        │  └─ Role title-reference text="default" target="default"
        ├─ target @3:1 name="Ref" url="https://ref.example"
        └─ target @4:1 name="phrase ref" url="https://phrase.example"
        """#),
    DumpCase(
      name: "anonymousTargets",
      source: #"""
        See `this`__ and `that`__.

        __ https://one.example
        .. __: https://two.example
        """#,
      expected: #"""
        document @1:1
        ├─ paragraph @1:1
        │  ├─ Text "See "
        │  ├─ Reference anonymous name="this" url="https://one.example"
        │  │  └─ Text "this"
        │  ├─ Text " and "
        │  ├─ Reference anonymous name="that" url="https://two.example"
        │  │  └─ Text "that"
        │  └─ Text "."
        ├─ target @3:1 name="_" url="https://one.example"
        └─ target @4:1 name="_" url="https://two.example"
        """#),
    DumpCase(
      name: "footnotesAndSubstitutions",
      source: #"""
        Text [1]_ and |name|.

        .. [1] The note.

        .. |name| replace:: replaced *text*
        """#,
      expected: #"""
        document @1:1
        ├─ paragraph @1:1
        │  ├─ Text "Text "
        │  ├─ FootnoteReference 1
        │  ├─ Text " and "
        │  ├─ Text "replaced "
        │  ├─ Emphasis
        │  │  └─ Text "text"
        │  └─ Text "."
        ├─ footnote @3:1 label="1"
        │  └─ paragraph @3:8
        │     └─ Text "The note."
        └─ substitution_definition @5:1 name="name"
        """#),
    DumpCase(
      name: "warningTitleUnderlineTooShort",
      source: #"""
        Long title
        =====

        Text.
        """#,
      expected: #"""
        document @1:1
        └─ section @1:1 level=1
           ├─ Text "Long title"
           └─ paragraph @4:1
              └─ Text "Text."
        test.rst:2: (WARNING/2) Title underline too short.
        """#),
    DumpCase(
      name: "warningUnclosedLiteral",
      source: #"""
        An ``unclosed literal.
        """#,
      expected: #"""
        document @1:1
        └─ paragraph @1:1
           └─ Text "An ``unclosed literal."
        test.rst:1: (WARNING/2) Inline literal start-string without end-string.
        """#),
    DumpCase(
      name: "warningUnclosedEmphasis",
      source: #"""
        An *unclosed emphasis.
        """#,
      expected: #"""
        document @1:1
        └─ paragraph @1:1
           └─ Text "An *unclosed emphasis."
        test.rst:1: (WARNING/2) Inline emphasis start-string without end-string.
        """#),
    DumpCase(
      name: "warningUnexpectedIndentation",
      source: #"""
        Line one
        line two
            indented
        """#,
      expected: #"""
        document @1:1
        ├─ paragraph @1:1
        │  └─ Text "Line one\nline two"
        └─ block_quote @3:5
           └─ paragraph @3:5
              └─ Text "indented"
        test.rst:3: (ERROR/3) Unexpected indentation.
        """#),
    DumpCase(
      name: "warningUnknownDirective",
      source: #"""
        .. frobnicate:: x

        .. frobnicate:: y
        """#,
      expected: #"""
        document @1:1
        ├─ directive @1:1 name="frobnicate" arguments="x" options=[] content=""
        └─ directive @3:1 name="frobnicate" arguments="y" options=[] content=""
        test.rst:1: (ERROR/3) Unknown directive type "frobnicate".
        """#),
    DumpCase(
      name: "warningUnknownRole",
      source: #"""
        A :frob:`thing` and :frob:`another`.
        """#,
      expected: #"""
        document @1:1
        └─ paragraph @1:1
           ├─ Text "A "
           ├─ Role frob text="thing" target="thing"
           ├─ Text " and "
           ├─ Role frob text="another" target="another"
           └─ Text "."
        test.rst:1: (ERROR/3) Unknown interpreted text role "frob".
        """#),
    DumpCase(
      name: "warningBlockQuoteUnindent",
      source: #"""
        Para.

            quote
        back
        """#,
      expected: #"""
        document @1:1
        ├─ paragraph @1:1
        │  └─ Text "Para."
        ├─ block_quote @3:5
        │  └─ paragraph @3:5
        │     └─ Text "quote"
        └─ paragraph @4:1
           └─ Text "back"
        test.rst:4: (WARNING/2) Block quote ends without a blank line; unexpected unindent.
        """#),
    DumpCase(
      name: "warningLiteralBlockExpected",
      source: #"""
        Paragraph::

        Not indented.
        """#,
      expected: #"""
        document @1:1
        ├─ paragraph @1:1
        │  └─ Text "Paragraph:"
        └─ paragraph @3:1
           └─ Text "Not indented."
        test.rst:3: (WARNING/2) Literal block expected; none found.
        """#),
    DumpCase(
      name: "warningUnknownTarget",
      source: #"""
        A `missing`_ reference.
        """#,
      expected: #"""
        document @1:1
        └─ paragraph @1:1
           ├─ Text "A "
           ├─ Reference name="missing" url=nil
           │  └─ Text "missing"
           └─ Text " reference."
        test.rst:1: (ERROR/3) Unknown target name: "missing".
        """#),
    DumpCase(
      name: "warningTitleLevelInconsistent",
      source: #"""
        One
        ===

        Two
        ---

        Three
        =====

        Four
        ~~~~
        """#,
      expected: #"""
        document @1:1
        ├─ section @1:1 level=1
        │  ├─ Text "One"
        │  └─ section @4:1 level=2
        │     └─ Text "Two"
        └─ section @7:1 level=1
           ├─ Text "Three"
           └─ section @10:1 level=2
              └─ Text "Four"
        test.rst:10: (SEVERE/4) Title level inconsistent: "Four".
        """#),
    DumpCase(
      name: "warningBulletListUnindent",
      source: #"""
        - item
        text
        """#,
      expected: #"""
        document @1:1
        ├─ bullet_list @1:1 bullet="-"
        │  └─ list_item @1:1
        │     └─ paragraph @1:3
        │        └─ Text "item"
        └─ paragraph @2:1
           └─ Text "text"
        test.rst:2: (WARNING/2) Bullet list ends without a blank line; unexpected unindent.
        """#),
    DumpCase(
      name: "warningExplicitMarkupUnindent",
      source: #"""
        .. note:: text
        next
        """#,
      expected: #"""
        document @1:1
        ├─ admonition @1:1 name="note" title="Note"
        │  └─ paragraph @1:11
        │     └─ Text "text"
        └─ paragraph @2:1
           └─ Text "next"
        test.rst:2: (WARNING/2) Explicit markup ends without a blank line; unexpected unindent.
        """#),
    DumpCase(
      name: "warningMalformedTable",
      source: #"""
        +-----+-----+
        | a   | b
        +-----+-----+
        """#,
      expected: #"""
        document @1:1
        └─ literal_block @1:1 text="+-----+-----+\n| a   | b\n+-----+-----+" language=null
        test.rst:1: (ERROR/3) Malformed table.
        """#),
    DumpCase(
      name: "warningMalformedGridBrokenCorner",
      source: #"""
        Text.

        +-----+-----+
        | a   | b   |
        +-----+-----+
        | c   | d   |
        +--x--+-----+

        After.
        """#,
      expected: #"""
        document @1:1
        ├─ paragraph @1:1
        │  └─ Text "Text."
        ├─ literal_block @3:1 text="+-----+-----+\n| a   | b   |\n+-----+-----+\n| c   | d   |\n+--x--+-----+" language=null
        └─ paragraph @9:1
           └─ Text "After."
        test.rst:3: (ERROR/3) Malformed table.
        """#),
    DumpCase(
      name: "warningMalformedGridTwoHeaderRules",
      source: #"""
        +-----+-----+
        | a   | b   |
        +=====+=====+
        | c   | d   |
        +=====+=====+
        | e   | f   |
        +-----+-----+
        """#,
      expected: #"""
        document @1:1
        └─ literal_block @1:1 text="+-----+-----+\n| a   | b   |\n+=====+=====+\n| c   | d   |\n+=====+=====+\n| e   | f   |\n+-----+-----+" language=null
        test.rst:1: (ERROR/3) Malformed table.
        """#),
    DumpCase(
      name: "warningUnclosedDetails",
      source: #"""
        .. raw:: html

           <details><summary>Open</summary>

        Text.
        """#,
      expected: #"""
        document @1:1
        └─ collapsible @1:1 role="details"
           ├─ Text "Open"
           └─ paragraph @5:1
              └─ Text "Text."
        test.rst:1: (WARNING/2) Raw HTML <details> is not closed before the end of the section.
        """#),
    DumpCase(
      name: "warningMissingContent",
      source: #"""
        .. code:: swift

        Text.
        """#,
      expected: #"""
        document @1:1
        ├─ literal_block @1:1 text="" language="swift"
        └─ paragraph @3:1
           └─ Text "Text."
        test.rst:1: (ERROR/3) Content block expected for the "code" directive; none found.
        """#),
  ]

  @Test("Each construct and each warning reads as docutils reads it", arguments: cases)
  func treeDump(_ testCase: DumpCase) {
    #expect(dump(testCase.source) == testCase.expected)
  }
}
