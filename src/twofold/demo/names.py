"""People's names from several cultures, and how they become email local parts."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from twofold.core.text import search_text


def _split(text: str) -> tuple[str, ...]:
    return tuple(word.strip() for word in text.split(",") if word.strip())


@dataclass(frozen=True)
class NamePool:
    """First and last names of one culture."""

    first: tuple[str, ...]
    last: tuple[str, ...]


def _pool(first: str, last: str) -> NamePool:
    return NamePool(first=_split(first), last=_split(last))


NAME_POOLS: dict[str, NamePool] = {
    "english": _pool(
        "James, Mary, Robert, Patricia, John, Jennifer, Michael, Linda, David, Elizabeth, "
        "William, Barbara, Richard, Susan, Joseph, Jessica, Thomas, Sarah, Christopher, Karen, "
        "Daniel, Emily, Matthew, Olivia, Andrew, Emma, Ryan, Sophie, Oliver, Grace, Liam, "
        "Chloe, Ethan, Hannah, Noah, Charlotte, Aidan, Siobhan, Connor, Niamh",
        "Smith, Johnson, Williams, Brown, Jones, Miller, Davis, Wilson, Anderson, Taylor, "
        "Thomas, Moore, Martin, Jackson, Thompson, White, Harris, Clark, Lewis, Walker, Hall, "
        "Allen, Young, King, Wright, Scott, Green, Baker, Adams, Nelson, Hill, Campbell, "
        "Mitchell, Roberts, Carter, Evans, Turner, Parker, Collins, Edwards, Morris, Murphy, "
        "Cook, Morgan, Cooper, Bailey, Kelly, Ward, Bennett, Hughes, O'Brien, O'Connor, Byrne",
    ),
    "german": _pool(
        "Lukas, Anna, Leon, Lena, Felix, Marie, Jonas, Laura, Paul, Julia, Maximilian, Sophie, "
        "Tobias, Katharina, Jan, Lea, Niklas, Hannah, Florian, Johanna, Stefan, Sabine, "
        "Andreas, Claudia, Matthias, Petra, Jürgen, Birgit, Jörg, Ute",
        "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, "
        "Schäfer, Koch, Bauer, Richter, Klein, Wolf, Schröder, Neumann, Schwarz, Zimmermann, "
        "Braun, Krüger, Hofmann, Hartmann, Lange, Schmitt, Werner, Krause, Meier, Lehmann, "
        "Weiß, Groß",
    ),
    "french": _pool(
        "Camille, Louis, Léa, Hugo, Chloé, Lucas, Manon, Gabriel, Inès, Arthur, Jade, Jules, "
        "Louise, Adam, Emma, Raphaël, Juliette, Théo, Sarah, Nathan, Élodie, Mathieu, Céline, "
        "Nicolas, Aurélie, Julien, Margaux, Antoine, Pauline, Baptiste, Hélène, François",
        "Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy, Moreau, Simon, "
        "Laurent, Lefèvre, Michel, Garcia, David, Bertrand, Roux, Vincent, Fournier, Morel, "
        "Girard, André, Lefebvre, Mercier, Dupont, Lambert, Bonnet, François, Fontaine",
    ),
    "dutch": _pool(
        "Daan, Emma, Sem, Julia, Lucas, Mila, Levi, Tess, Finn, Sophie, Milan, Zoë, Bram, Sara, "
        "Thijs, Anna, Lars, Fleur, Ruben, Lotte, Jeroen, Marieke, Sander, Femke, Bas, Anouk, "
        "Joost, Iris, Pieter, Eva",
        "de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Janssen, Visser, Smit, "
        "Meijer, de Boer, Mulder, de Groot, Bos, Vos, Peters, Hendriks, van Leeuwen, Dekker, "
        "Brouwer, de Wit, Dijkstra, Smits, de Graaf, van der Meer",
    ),
    "hispanic": _pool(
        "Sofía, Mateo, Valentina, Santiago, Isabella, Sebastián, Camila, Matías, Lucía, Diego, "
        "Martina, Nicolás, María, Alejandro, Daniela, Samuel, Gabriela, Emiliano, Ana, Javier, "
        "Carmen, Carlos, Laura, Miguel, Paula, Andrés, Elena, Pablo, Rosa, Fernando",
        "García, Rodríguez, González, Fernández, López, Martínez, Sánchez, Pérez, Gómez, "
        "Martín, Jiménez, Ruiz, Hernández, Díaz, Moreno, Muñoz, Álvarez, Romero, Alonso, "
        "Gutiérrez, Navarro, Torres, Domínguez, Vázquez, Ramos, Ramírez, Castro, Ortiz, "
        "Morales, Flores, Vargas, Reyes",
    ),
    "portuguese": _pool(
        "Miguel, Helena, Arthur, Alice, Heitor, Laura, Bernardo, Manuela, Davi, Valentina, "
        "Lorenzo, Sophia, Gabriel, Luiza, Pedro, Júlia, Rafael, Beatriz, João, Mariana, "
        "Lucas, Fernanda, Thiago, Camila, Bruno, Larissa, Gustavo, Letícia",
        "Silva, Santos, Oliveira, Souza, Rodrigues, Ferreira, Alves, Pereira, Lima, Gomes, "
        "Costa, Ribeiro, Martins, Carvalho, Almeida, Lopes, Soares, Fernandes, Vieira, "
        "Barbosa, Rocha, Dias, Nascimento, Andrade, Moreira, Nunes, Marques, Machado, Conceição",
    ),
    "italian": _pool(
        "Leonardo, Sofia, Francesco, Giulia, Alessandro, Aurora, Lorenzo, Alice, Mattia, "
        "Ginevra, Andrea, Emma, Gabriele, Giorgia, Riccardo, Beatrice, Tommaso, Chiara, Marco, "
        "Francesca, Luca, Elena, Matteo, Valentina, Giuseppe, Federica, Davide, Martina",
        "Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco, "
        "Bruno, Gallo, Conti, De Luca, Mancini, Costa, Giordano, Rizzo, Lombardi, Moretti, "
        "Barbieri, Fontana, Santoro, Mariani, Rinaldi, Caruso, Ferrara, Galli, D'Angelo",
    ),
    "swedish": _pool(
        "Erik, Anna, Lars, Maria, Karl, Eva, Johan, Karin, Anders, Sara, Per, Emma, Nils, "
        "Elin, Oskar, Ida, Gustav, Linnea, Axel, Maja, Olof, Astrid, Henrik, Ingrid, Magnus, "
        "Frida, Mats, Sofia, Fredrik, Klara, Björn, Åsa",
        "Andersson, Johansson, Karlsson, Nilsson, Eriksson, Larsson, Olsson, Persson, "
        "Svensson, Gustafsson, Pettersson, Jonsson, Hansson, Bengtsson, Jönsson, Lindberg, "
        "Magnusson, Lindström, Olofsson, Lindqvist, Lindgren, Berg, Axelsson, Bergström, "
        "Lundberg, Lundgren, Lind, Mattsson, Ångström",
    ),
    "polish": _pool(
        "Jakub, Zuzanna, Antoni, Julia, Jan, Maja, Szymon, Zofia, Franciszek, Hanna, Filip, "
        "Lena, Aleksander, Alicja, Mikołaj, Maria, Wojciech, Amelia, Kacper, Oliwia, Piotr, "
        "Katarzyna, Tomasz, Agnieszka, Paweł, Magdalena, Michał, Joanna, Krzysztof, Ewa",
        "Nowak, Kowalski, Wiśniewski, Wójcik, Kowalczyk, Kamiński, Lewandowski, Zieliński, "
        "Szymański, Woźniak, Dąbrowski, Kozłowski, Jankowski, Mazur, Wojciechowski, "
        "Kwiatkowski, Krawczyk, Kaczmarek, Piotrowski, Grabowski, Zając, Pawłowski, "
        "Michalski, Król, Wieczorek, Jabłoński, Wróbel, Majewski, Olszewski",
    ),
    "arabic": _pool(
        "Mohammed, Fatima, Ahmed, Aisha, Omar, Mariam, Ali, Noor, Youssef, Layla, Khalid, Sara, "
        "Hassan, Huda, Ibrahim, Amira, Karim, Rania, Tariq, Salma, Hamza, Yasmin, Faisal, Reem, "
        "Saeed, Dana, Rashid, Leila, Zayed, Hind",
        "Al Mansouri, Al Hashimi, Al Nuaimi, Al Mazrouei, Haddad, Khalil, Nasser, Saleh, "
        "Hamdan, Al Suwaidi, Al Ketbi, Al Falasi, Farouk, Rahman, Aziz, Mahmoud, Abdullah, "
        "Qasim, Hussein, Karam, Mansour, Bakr",
    ),
    "japanese": _pool(
        "Haruto, Yui, Sota, Hina, Yuto, Aoi, Riku, Sakura, Hiroshi, Yuki, Takashi, Akiko, "
        "Kenji, Naoko, Daiki, Mei, Kaito, Rin, Shota, Emi, Kazuki, Ayaka, Takumi, Misaki, Ren, "
        "Nanami, Yusuke, Haruka, Koji, Mai",
        "Sato, Suzuki, Takahashi, Tanaka, Watanabe, Ito, Yamamoto, Nakamura, Kobayashi, Kato, "
        "Yoshida, Yamada, Sasaki, Yamaguchi, Matsumoto, Inoue, Kimura, Hayashi, Shimizu, "
        "Yamazaki, Mori, Abe, Ikeda, Hashimoto, Yamashita, Ishikawa, Nakajima, Maeda, Fujita",
    ),
    "chinese": _pool(
        "Wei, Jing, Li, Na, Hao, Xin, Jun, Mei, Chen, Yan, Lei, Hui, Ming, Ying, Tao, Fang, "
        "Jie, Ling, Bo, Xiu, Kai, Lan, Feng, Qing, Yang, Hua, Zhi, Rui, Hong, Yu",
        "Wang, Li, Zhang, Liu, Chen, Yang, Huang, Zhao, Wu, Zhou, Xu, Sun, Ma, Zhu, Hu, Guo, "
        "He, Lin, Gao, Luo, Tan, Lim, Lee, Ng, Ong, Goh, Chua, Koh, Teo, Tay",
    ),
    "indian": _pool(
        "Aarav, Ananya, Vihaan, Diya, Arjun, Aadhya, Sai, Saanvi, Reyansh, Anika, Rohan, Priya, "
        "Rahul, Neha, Vikram, Pooja, Amit, Sneha, Karan, Kavya, Raj, Isha, Sanjay, Meera, "
        "Aditya, Riya, Nikhil, Shreya, Arun, Lakshmi",
        "Sharma, Verma, Gupta, Patel, Singh, Kumar, Reddy, Iyer, Nair, Rao, Mehta, Joshi, "
        "Desai, Shah, Chopra, Kapoor, Malhotra, Bhat, Menon, Pillai, Agarwal, Banerjee, "
        "Chatterjee, Das, Mukherjee, Ghosh, Kulkarni, Pandey, Mishra, Saxena",
    ),
    "korean": _pool(
        "Min-jun, Seo-yeon, Ji-ho, Ha-eun, Do-yun, Ji-woo, Seo-jun, Su-ah, Ye-jun, Ji-an, "
        "Joon-ho, Yuna, Hyun-woo, Min-seo, Jae-won, Eun-ji, Sung-min, Hye-jin, Dong-hyun, "
        "So-yeon",
        "Kim, Lee, Park, Choi, Jung, Kang, Cho, Yoon, Jang, Lim, Han, Oh, Seo, Shin, Kwon, "
        "Hwang, Ahn, Song, Yoo, Hong",
    ),
}

# Letters that Unicode decomposition leaves alone but an email local part cannot carry.
_ASCII_FOLDS = str.maketrans(
    {
        "ß": "ss",
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "đ": "d",
        "\u0131": "i",  # dotless i
    }
)


@lru_cache(maxsize=65_536)
def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters, digits and hyphens only: ``"O'Brien"`` → ``"obrien"``."""
    folded = unicodedata.normalize("NFKD", text.translate(_ASCII_FOLDS))
    kept = (char for char in folded.lower() if char.isascii() and (char.isalnum() or char == "-"))
    return "".join(kept).strip("-")


def searchable(*parts: str) -> str:
    """``core.text.search_text`` of ``parts``, folding each distinct non-ASCII part once.

    Folding works character by character, so folding the parts one by one and joining
    them gives the same text as folding the joined parts.
    """
    return " ".join(part.lower() if part.isascii() else _folded(part) for part in parts if part)


@lru_cache(maxsize=65_536)
def _folded(part: str) -> str:
    return search_text(part)
