// SPDX-License-Identifier: MIT
#include "ViewIndicator.h"

#include <QPainter>

namespace {
constexpr int kFramePx = 4;
}

ViewIndicator::ViewIndicator(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("ViewIndicator"));
    setAttribute(Qt::WA_TransparentForMouseEvents);
    setAttribute(Qt::WA_NoSystemBackground);
    hide();
}

void ViewIndicator::setIndicator(const QString &text, const QColor &color)
{
    m_text = text;
    m_color = color;
    setAccessibleName(text);
    setVisible(!text.isEmpty());
    raise();
    update();
}

void ViewIndicator::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setPen(QPen(m_color, kFramePx));
    p.drawRect(rect().adjusted(kFramePx / 2, kFramePx / 2, -kFramePx / 2, -kFramePx / 2));
    // The caption on a tab of the frame's colour, centred at the top.
    QFont f = font();
    f.setBold(true);
    p.setFont(f);
    const QRect textRect = p.fontMetrics().boundingRect(m_text).adjusted(-10, -4, 10, 4);
    QRect tab(QPoint(0, 0), textRect.size());
    tab.moveTopLeft(QPoint((width() - tab.width()) / 2, 0));
    p.fillRect(tab, m_color);
    p.setPen(m_color.lightness() > 150 ? Qt::black : Qt::white);
    p.drawText(tab, Qt::AlignCenter, m_text);
}
