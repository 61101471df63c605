"""Dead letters keep their source record; deliveries name the replay that resolved them.

`mapped_payload` holds the mapped record of validate and load failures (for display); `payload`
is now always the source record, which every replay runs from normalize. Rows stored before this
(legacy) kept only the mapped record of such failures in `payload`: it moves to `mapped_payload`
and `payload` becomes null, so they show what they have and are never mapped twice; they replay
only with an edited payload in the source's shape (bulk replays leave them pending). Normalize and
transform failures already stored the source (or its normalized form, which normalize keeps as it
is) and stay. `replay_stage` goes: every replay enters at normalize. The downgrade puts the mapped
records back where the previous code expects them.

Written for both dialects, like the initial migration (SQLite 3.35+ drops columns).
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQLITE = """
ALTER TABLE "dead_letters" ADD "mapped_payload" JSON;
UPDATE "dead_letters" SET "mapped_payload" = "payload", "payload" = NULL
    WHERE "stage" IN ('validate', 'load');
ALTER TABLE "dead_letters" DROP COLUMN "replay_stage";
ALTER TABLE "webhook_deliveries" ADD "resolved_by_sync_log_id" CHAR(36);"""

POSTGRES = """
ALTER TABLE "dead_letters" ADD "mapped_payload" JSONB;
UPDATE "dead_letters" SET "mapped_payload" = "payload", "payload" = NULL
    WHERE "stage" IN ('validate', 'load');
ALTER TABLE "dead_letters" DROP COLUMN "replay_stage";
ALTER TABLE "webhook_deliveries" ADD "resolved_by_sync_log_id" UUID;"""

DOWNGRADE = """
ALTER TABLE "dead_letters" ADD "replay_stage" VARCHAR(16);
UPDATE "dead_letters" SET "payload" = "mapped_payload"
    WHERE "stage" IN ('validate', 'load') AND "mapped_payload" IS NOT NULL;
ALTER TABLE "dead_letters" DROP COLUMN "mapped_payload";
ALTER TABLE "webhook_deliveries" DROP COLUMN "resolved_by_sync_log_id";"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return DOWNGRADE


MODELS_STATE = (
    "eJztXW1z2zYS/isYfXJuVF8s22knzXTGcZyr2yTu2Mq10zpDwSQkYUwBLAjaVnv57weApE"
    "SCLyZlkaZYfGlqAEtCz4LA7rML4O/BgjrI9fdPPPwzWg5eg78HBC6Q+B+tZggG0PPW5bKA"
    "wxtXNYUetm7RUhXCG58zaHNRPoWuj0SRg3ybYY9jSmTrEyDaAuyDCfprab3xGJrihx+sNz"
    "6yGeI/TL4HlLhLwOcIhHUAEgdAcPXjyTej41eATlXd/Zy6SD0KMgR8Thly9mUPHGqLLmAy"
    "a/pl1+SaXFIO5Q8TdcjzVVtG78GeL1AE2HmhHregdyiso64Tveffc+jPAadgIv6+wzTwrX"
    "9NQEA4dq/JuuwOutixVPFkCHwKbBcjwn1gQyLe5LpAPJsBJ5A/WPR7JrAXPwUxTEM0AoL/"
    "DJDF6QyJDjCByR9fRDEmDnpAvvzzjwFHBBJuYUcKCFwgR44F+eCLbOndWlOMXCc1OMKmqt"
    "ziS0+Vff58/u69aimVcGPZ1A0WZN3aW/I5JavmQYCdfSkj62aIICZfmxg2JHDdaITFReGP"
    "EQWcBWj1K5x1gYOmMHDl4Bu8mQbEVqpRb5L/Ofoh6lqimWV9uhhbV2djyxpkxqrsgjaioi"
    "KbEjnOsVCFBOZr+Nw1IKp0IF9w+uPJ5d7hqxcKAurzGVOVCq7BVyUIOQxFlT7WKKf0UhXs"
    "lNA2MY8LSkCP8eoYwmtEE4M7A+k7UcPxAuXDmpbUcHUi0f34f7aD73oCbQHggfiBzoWYDC"
    "PFlgA+Pv94djU++fiLfN3C9/90FX4n4zNZM1KlS610L9QPFfNTuGisHgJ+PR//COSf4PeL"
    "T2e6Flftxr8PZJ9gwKlF6L0FncQYjEtj1FJaV/9m9H06hyxf13F7TcsCrV3U6wI+WC4iMz"
    "4Xf45evixR7H9PLtXHJFpp2voUVY3CuvRXFa5odRBeS2wH48fXg9YQPhxVAPhwVIivrErD"
    "K8wOS1oLdQBOyvRwGL86qgDyq6NCkGVVGmT04GEx42ywMqQlt7AyRGO3K8jvyEIQY1K6Er"
    "jQ51bgb2QB6LJG013WtHCg6O1Gek5LGi13WcsrP3kjE0QX3Wih1LXba1NkBdomNkmu8FYw"
    "77ltkscG1Z3Vip5h5reuzW+SdJveJgghWXAD7dt7yBwrU0NHtKhttmoxWuglkMCZUpJEU/"
    "YzIn7Hikca5FDCUc2wjBIOWahqjHCxZh8nLw1D+awM5fMyKx1aahvhVQxbWYx+v9jKjsz5"
    "p5QQpKakXxidYvXTM9N/tlHpSmCvmgtLW7VvYFXQYliqx1+qx7mGQKu8FXIm/GXCXyb8ZR"
    "aUnVxQklq/Q8yXaGRUfk54vrYTEpqqcWj4N6Hcg6Y0O5M9+GZ0cPTt0XeHr46+E01UL1cl"
    "35Yo+/zTWPuIAs/Z8CNKS5qPqCsfUY4rHvW+K57Oc+u1eV9HWVw18I3b9xDf7dO24nVTPM"
    "vC+9PVxaeC9X4loU9T2Obgf8DFfmMLQcJ2vQmwyzHx9+Vrn8N8lQilZqgY5r2PJ7/pGjj9"
    "cPFWn3rkA95q6giTD30LEZstPQleRjNj9FCwNucKt/cVDJ5BCeOz38blSlgtFR8uPv0nbq"
    "5rJk8Jq7zVqh+GJtaNr0O+b6e/jhr8R0KDNGA2sug0q7+3kej7ny+RqxJ0c5QV8Rnn4tdC"
    "Yu+ivfU1Hp1xaZ7lwiGbiRFrYMrC1CSX9hF6nujUqVpIAwajTmfotNx2wzJGbRFKWHZSpH"
    "ukmmHPDHtm2DPDnnXY8TfsmWHPzEdk2LOG9do8eyY6ESwQyfmmij3ZpEw33NidJ3k2cmNx"
    "5Fjl0BDGP2vOP1vhleOTJbEs9sNSiuuU65XJZxAd5YFvfDLjkxmfzPhknTYnjU9mfDLzER"
    "mfrGG9Nu+TUW/Fy1d1yRIixiPbikeWiviGRnCNIb+WaDHAjolwI/Adagr29NA/eFVh5B/o"
    "09R64MsqzSQLmE9ZFubilIa1RB92A7adyBCiZ22+iOc+wOwL7M7SnTWA4xBwPU8yLdWsK9"
    "kV1dbwJaN8kmiXSk1sc4UNxBrEUS7KZhDnChuI83jnokGdhfs9ZQjPyM9oqUBPMp/5PHPu"
    "9q/dRDpDOItiBu9X9Gj+Ry0gEUAgrkC5FFP55fnpeFAyzA3otUDP/cwrgB6tbltAuyglq6"
    "eAp82CAqQrJWTac+QE7lMjWVfRY3oEeWqg3qObOaW3FiKOR3F0SsLmcP0aPu4selqfUGsy"
    "/rcaZTnxv+QILI7/pYZ7o6dcPBLqE3WiS2GkUDjZFguIycBsy7g10T4T7evAHLqjgQoT7T"
    "PRPvMRtRDts1neF1Qc+ojb9zDadzCqEu0TrYqDHqNMtE+O+L8oqRVRTcq0GGD6PD5tJ7bU"
    "wCnNa0tXc5godREk+TgnpDSYb4RYUzjH5lW71tTbi4sPqSnp7bkeQ/r88e2ZGN8KdtEIh6"
    "5+dqGQN4u40LM86mJ7WWdgZyVbHN7+LfZ2NXaadN9qLs6aaCvxu454EB1fi7MWrTpKfDM1"
    "a6ImTNtlPccZ4jU5AE3MhLjKQ1w4Qeg/kfnv4SaKocb2a4OrNt3fJCd7RjjmyzPGKBvk0L"
    "LJ6mEZM4tUQwvJlm2ws/6S2JZLZxW3YszU+LJFvw1HazjaXbCwDEf7D6aXqnC00Yx7i2r5"
    "iWmpPiR/ph3E40p55ccleeXH2bzy1QJSI4t51tfM/QbSl+WyXAPduH0Pwd0+f7dAvp87eo"
    "uTwxMivYC47fRwB3GI3VrbUBIiZhtKuUI22IbiCCNAfGOcI1bT7sxKPsH47NjCuaUU7rQj"
    "Vjl5Oy1mCJdHcoojuLZAuFyJR30In7SbyD6eQ5weWym+5fTk6vTk3dlz0S0x+HkZcGu9lC"
    "TART+tGsUyuCAIsIDsg0mCg5oA7AMIPFdACMIvUl5zL9qBuVhlKFsCGnAX3yHZLITOAfED"
    "1BX3SV019pInJ+mlKjUSrtLZHZkK8ZtnM9EVVbPeqjhHkPEb8UCTA9jWAmT4JcMvdWBJ6j"
    "G/tAuRtB38lihj0f6CmsBmJdtdGzoPbbw4ZzAtSQdbi/SC6WiaqduR8xxE0wDFfdk5kDnl"
    "MOey4cLU61X79hKvXzYF7ZYTr/3AtpGfM2ALwUxIGDh1OKcQ56aCFqK5FjBgZsbmLfa8Wm"
    "gmJAycGThlyK3evTIrCUO5b51yF+CyzXzGtKTJtuxytuUUE+zPN1KzJmr03GU9pwjOmorW"
    "ZY2mu6xpyDlaeDlKLrRKEhLGKtGtEhRnzlbNvVgJ9CE1q+3Ei2gTVB1+IiHSB8Sb5iYYEj"
    "/Tr3XpRULE2NlbsbMzeQJVTgrKJOhruzlrHH+jbQrYMY70WY6+eYeg80GlEQ1yQv+J2mFZ"
    "9D+RjVQxAeAEhBQMYMimzHkNMPdBeMZaVAT2oC9KgRgfiImGhLIFdPFf4mH3c6FVMT8C5S"
    "lHT3oBIHGGAw3qxl50TaaUgTvRUNqHsgi4FDqqTSC+iyHgcwTkeVqrd4M9KeJg33Ph8ntR"
    "KP/1AVFvCHwkOvFi/5pckw9oBu0lYPRePEbmJIhH3CAhjKKe++BedBXcIo8PwRzeifevuy"
    "LeoXoyUZ2eDMUPAhMPLmXhRHb0moiuYRY/OeocJmASdtdaNd5b4Fl45hk4ePEaTObQt8Ie"
    "qDSK91K3QP4o8cBFA7kRa5K+TgpFYZaE2W9j8iF6HcM1+RAmH6KT+RBd8e5M/vCzw2q2LJ"
    "ktS62Aa7Ys9YA5M5tJW9tMGnl9dSi0hMiTKLSOgd12TDrtdtdRQFbS6KH3t0J5iDjR6fa7"
    "aKJEcbk6yW9JEXOKqx7Li/Yt1Zk3EiLdiH3I9+107CMdjPKpeyfm5ZultaEbWfIIs9FXR1"
    "vy6JsDnSfdKMa7Ryyac6KLJ/PdJBZzcm5WscaKIdwmw5LRRSbvkNyIy5aDnNik3mRYFqCM"
    "71lxwta44kUdg6tU8E1G9BiykXwEgMS/R8x/rUojAxz4AbuLtg5fIgf7Mhh3T9mtaG8z6M"
    "+zm5QbeUOVKFx85Uw040VvTd4kkqpHDxwxAl35p7bLOCVqgmomqNartc8E1fq29lUJqiXn"
    "tJpq10SN3ndJ75x62K7DAK0E+scyN3I5RtKOqAGzJtY/sEeVKP1RCaU/ylL6DnICr27wJC"
    "W0FaCfdQ9/GubDSjAflsB8mHsM5y7wxtC2kcd3d/+5CVA9W2DkuXNhdgf/Gp6Fx6jc0r+R"
    "kanLms1r3SHSslal2W3VZs6ICb+0OYtpPGFVhDUxkydZfs4qSlzpnYa49jmr/b0kfKidt6"
    "qNsS6dt6oroTjAkdTT4wGO1EXyz3URuYkBmBiAiQGYGECHzXZz2bi5bNx8RC1cNu4xeoed"
    "eqefJmV6sWui8eNPkVhnuDD+bLaMGd6qVEOebC9Ab5t2UJHAWgf9rSVMEu7WOWtzP/xjsG"
    "/xfnizB9ncbtwytI3fbpwMoyezRrXZpMb5RDkpqz3BvtEzis4dtPAoFxbK8lKdVTPIYcuy"
    "jYZlfBleN7fCA3AqZgSP5whMMfN5lJ4LOAUQRGeJgXvM56ICTBLd+UZ8lZNhdNwPctR5Oa"
    "MjkJMLvOVn53B4+oE4NvXUFCCzPb5oBJ9h8QyLZ1g8w+J1mICowuKt5rjKuVmxQC+84Bay"
    "DGvmFz4ls/AfiG60/Ftz6M/rwKzL9RDv7Z/wEuZlWvmn6BTff5GWao/6bxLpLbP/YkL3xB"
    "tyYC07oXctY9I3n0CFPXhYVG9g+KQl2zF8OmJYdsnOKUwy7Mh23RPEsD0f5LjlUc2wzBeH"
    "6zZNJqzU8mcL5/pc1ypnio9G8dP82M7P78Xua2HwvNhiKY6e98FYGR0fVzEOj4+LjUNZp5"
    "2l49W6VCBq3kN0DyqZ3gclpvdB1vQWb+QoL+ey2GRJiLQf09txk+VZF7Ov/wd7hwUt"
)
