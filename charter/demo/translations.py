# ruff: noqa: E501
"""Translations of the demo charter's sections (loaded by charter.demo.loader).

Each was made from the section as it reads in `source` (a demo version file): the Spanish
preamble and Article 1 translate version 2 and are outdated in the later text.
"""

TRANSLATIONS: list[dict[str, str]] = [
    {
        "language": "es",
        "source": "v2.md",
        "source_heading": "",  # the preamble has no heading
        "heading": "",
        "body": """Nosotros, los gobiernos locales y regionales de la red mundial, reunidos en torno a la propuesta de la isla de Lampedusa, adoptamos esta Carta como un compromiso compartido con una movilidad humana digna. Como el nivel de gobierno más cercano a las personas, acogemos, alojamos, educamos, atendemos y empleamos a quienes llegan a nuestros territorios, a menudo con competencias limitadas y recursos escasos. Cualesquiera que sean las lagunas de los marcos jurídicos, las personas migrantes, refugiadas y desplazadas son ante todo nuestros vecinos. Esta Carta establece los principios que guían nuestra acción, los compromisos que asumimos unos con otros y la manera en que rendiremos cuentas de su cumplimiento.""",
    },
    {
        "language": "es",
        "source": "v2.md",
        "source_heading": "Article 1 — Dignity",
        "heading": "Artículo 1 — Dignidad",
        "body": """Toda persona que se desplaza, sea cual sea el motivo y sea cual sea la ruta, posee una dignidad inherente que ninguna frontera, estatus ni procedimiento puede suspender. Los gobiernos locales y regionales reconocen que la movilidad humana es un rasgo permanente de la historia de la humanidad y no una emergencia que haya que gestionar.

Los gobiernos locales garantizarán asistencia humanitaria a toda persona que llegue a su territorio, con independencia de su situación administrativa, que incluirá:

- alojamiento de emergencia, alimentos, agua y saneamiento desde el primer día de llegada;
- atención médica inicial y apoyo psicológico, con especial atención a la infancia, las mujeres y las personas supervivientes de la violencia;
- información clara, en un idioma que la persona comprenda, sobre sus derechos y los servicios a su disposición;
- un trato digno a las personas que pierden la vida en las rutas migratorias, incluidas su identificación y sepultura, y apoyo a las familias que las buscan.

La asistencia humanitaria no es caridad. Es la primera expresión de la protección de los derechos humanos, que siguen siendo universales e indivisibles. Las ciudades y regiones trabajarán con los gobiernos nacionales, las organizaciones internacionales y la sociedad civil para que el rescate, la acogida y la protección nunca se supediten a la disuasión.

Ningún servicio público de un gobierno signatario se utilizará para detectar, denunciar o detener a personas únicamente en razón de su situación migratoria.""",
    },
    {
        "language": "es",
        "source": "v3.md",
        "source_heading": "Article 2 — Equity",
        "heading": "Artículo 2 — Equidad",
        "body": """La equidad significa que todas las personas que viven en un territorio pueden utilizar sus servicios y su espacio público en igualdad de condiciones. El acceso a la vivienda, la salud, la educación, el trabajo y la cultura no es una recompensa por la integración; es la condición que hace posible una vida en común.

Los gobiernos locales se comprometen a planificar y evaluar sus servicios conforme a las cuatro dimensiones del marco AAAQ, tanto para las personas recién llegadas como para las comunidades de acogida:

- **Disponibilidad**: los servicios existen en cantidad suficiente y están situados donde vive la población, incluidos los barrios periféricos y los asentamientos informales.
- **Accesibilidad**: los servicios son físicamente alcanzables, asequibles y libres de discriminación; la información sobre ellos es fácil de encontrar y de comprender.
- **Aceptabilidad**: los servicios respetan la cultura, el género, la edad y las creencias de quienes los utilizan, y los presta personal formado en mediación intercultural.
- **Calidad**: los servicios cumplen normas reconocidas, los presta personal cualificado y se evalúan con la participación de sus usuarios.

La extensión de los servicios a los nuevos residentes nunca debe rebajar su nivel para los residentes actuales. La equidad se logra ampliando la capacidad, no repartiendo la escasez: los signatarios procurarán obtener los recursos adicionales necesarios para mantener y mejorar los servicios para todas las personas.

### Espacio público

El espacio público pertenece a todas las personas. Las plazas, los parques, las bibliotecas, los mercados, las instalaciones deportivas y el transporte público son los lugares donde se encuentran los vecinos; deberán seguir siendo abiertos, seguros y acogedores para todos los residentes, con independencia de su estatus.""",
    },
    {
        "language": "es",
        "source": "v3.md",
        "source_heading": "Article 3 — Recognition",
        "heading": "Artículo 3 — Reconocimiento",
        "body": """Muchas personas viven durante años en nuestras ciudades sin poder acreditar quiénes son, dónde viven o qué han aprendido. Las barreras administrativas —falta de documentos, procedimientos largos, tasas elevadas, requisitos de residencia— excluyen a las personas de derechos de los que son formalmente titulares y las dejan expuestas a la explotación.

Los signatarios trabajarán en favor de una ciudadanía inclusiva basada en la residencia: formar parte de la comunidad local debería depender de vivir en ella, no de la nacionalidad ni de la situación administrativa. Con ese fin, los gobiernos locales y regionales:

- inscribirán a todas las personas residentes en el padrón municipal, sea cual sea su situación, y utilizarán esta inscripción para abrir el acceso a los servicios locales;
- cuando la ley lo permita, expedirán una tarjeta local de identidad o de residencia aceptada por los servicios municipales, los bancos locales, los arrendadores y la policía local;
- simplificarán y traducirán los trámites administrativos, y reducirán las tasas que impiden a las personas obtener documentos;
- ayudarán a las personas residentes a obtener el reconocimiento de sus títulos, competencias y experiencia profesional;
- reconocerán el derecho de las personas residentes de larga duración a votar en las elecciones locales cuando la legislación nacional lo permita, y abogarán por él cuando no lo permita;
- abogarán ante los gobiernos nacionales por vías regulares, seguras y accesibles de acceso a la residencia.

El reconocimiento también es simbólico. Las ciudades darán visibilidad a la contribución de las personas migrantes a la vida local, a la economía y a la cultura, y acogerán a los nuevos residentes como ciudadanos de la ciudad desde el día de su llegada.""",
    },
    {
        "language": "fr",
        "source": "v3.md",
        "source_heading": "",  # the preamble has no heading
        "heading": "",
        "body": """Nous, les gouvernements locaux et régionaux du réseau mondial, réunis autour de la proposition de l'île de Lampedusa, adoptons la présente Charte comme un engagement commun en faveur d'une mobilité humaine digne. En tant que niveau de gouvernement le plus proche des personnes, nous accueillons, logeons, instruisons, soignons et employons celles et ceux qui arrivent sur nos territoires, y compris les personnes déplacées par la crise climatique, souvent avec des compétences limitées et des ressources rares. Quelles que soient les lacunes des cadres juridiques, les personnes migrantes, réfugiées et déplacées sont avant tout nos voisins. La présente Charte énonce les principes qui guident notre action, les engagements que nous prenons les uns envers les autres et la manière dont nous en rendrons compte.""",
    },
    {
        "language": "fr",
        "source": "v3.md",
        "source_heading": "Article 1 — Dignity",
        "heading": "Article 1 — Dignité",
        "body": """Toute personne qui se déplace, quelle qu'en soit la raison et quel que soit son itinéraire, possède une dignité inhérente qu'aucune frontière, aucun statut ni aucune procédure ne peut suspendre. Les gouvernements locaux et régionaux reconnaissent que la mobilité humaine est une constante de l'histoire de l'humanité et non une urgence à gérer.

Les gouvernements locaux garantissent une assistance humanitaire à toute personne qui arrive sur leur territoire, indépendamment de sa situation administrative, comprenant notamment :

- un hébergement d'urgence, de la nourriture, de l'eau et l'assainissement dès le premier jour de l'arrivée ;
- les premiers soins médicaux et un soutien psychologique, avec une attention particulière aux enfants, aux femmes et aux personnes survivantes de violences ;
- une information claire, dans une langue que la personne comprend, sur ses droits et sur les services à sa disposition ;
- un traitement digne des personnes qui perdent la vie sur les routes migratoires, y compris leur identification et leur inhumation, ainsi qu'un soutien aux familles qui les recherchent.

L'assistance humanitaire n'est pas de la charité. Elle est la première expression de la protection des droits humains, qui demeurent universels et indivisibles. Les villes et les régions travailleront avec les gouvernements nationaux, les organisations internationales et la société civile afin que le sauvetage, l'accueil et la protection ne soient jamais subordonnés à la dissuasion.

Aucun service public d'un gouvernement signataire ne doit être utilisé pour repérer, signaler ou détenir des personnes sur la seule base de leur statut migratoire.""",
    },
]
