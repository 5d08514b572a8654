// SPDX-License-Identifier: MIT
#include "UserColor.h"

#include "ColorSlot.h"

#include <QCryptographicHash>

#include <algorithm>
#include <array>
#include <cmath>

namespace Optiverse::Collab {

namespace {
// Twelve hues at least 20° apart; a slot comes from a hash of the user id, so
// their order no longer favours the first users.
constexpr std::array<int, 12> PaletteHues{210, 25, 125, 300, 0, 175, 50, 265, 90, 335, 150, 235};
static_assert(PaletteHues.size() == size_t(ColorSlot::PaletteSize));
} // namespace

QColor UserColor::forUser(const QString &userId, int colorIndex)
{
    if (colorIndex >= 0) {
        const int hue = PaletteHues[size_t(colorIndex) % PaletteHues.size()];
        // Past a dozen users the hues repeat, darker each round.
        const int round = int(size_t(colorIndex) / PaletteHues.size()) % 3;
        return QColor::fromHsv(hue, 200, 225 - 45 * round);
    }
    // qHash is seeded per process; a real hash keeps colours equal everywhere.
    const QByteArray digest = QCryptographicHash::hash(userId.toUtf8(), QCryptographicHash::Sha1);
    const int hue = ((quint8(digest.at(0)) << 8) | quint8(digest.at(1))) % 360;
    return QColor::fromHsv(hue, 190, 215);
}

QColor UserColor::readableOn(const QColor &color, const QColor &background)
{
    // Relative luminance and contrast ratio as WCAG 2 defines them.
    const auto luminance = [](const QColor &c) {
        const auto channel = [](double v) { return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
    };
    const double behind = luminance(background);
    const auto contrast = [&](const QColor &c) {
        const double l = luminance(c);
        return (std::max(l, behind) + 0.05) / (std::min(l, behind) + 0.05);
    };
    const bool darken = behind > 0.18;
    QColor text = color;
    for (int i = 0; i < 24 && contrast(text) < 4.5; ++i)
        text = darken ? text.darker(110) : text.lighter(110);
    return text;
}

} // namespace Optiverse::Collab
