// SPDX-License-Identifier: MIT
#pragma once

#include <QColor>
#include <QString>

namespace Optiverse::Collab {

/// The colour of a user in the session, the same on every participant's screen.
class UserColor
{
public:
    /// @p colorIndex is the slot our server gives each member: the one their
    /// id prefers (ColorSlot), moved only while someone present holds it, so
    /// a user keeps their colour across reconnects and server restarts and
    /// up to a dozen users present at once get clearly different colours.
    /// Without one (original servers: -1) the colour is derived from
    /// @p userId alone, which needs no coordination but may make two users
    /// look alike.
    static QColor forUser(const QString &userId, int colorIndex = -1);
    /// @p color (a user's) as text on @p background: the same hue, darkened
    /// (or lightened on a dark background) until it reads (WCAG contrast
    /// 4.5:1). Light colours such as a yellow make good outlines but
    /// unreadable words on white.
    static QColor readableOn(const QColor &color, const QColor &background);
};

} // namespace Optiverse::Collab
